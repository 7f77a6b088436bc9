using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansTwoPc.Faults;
using OrleansTwoPc.Storage;

namespace OrleansTwoPc.Hosting;

/// <summary>Which database holds grain state (and, for <see cref="Postgres"/>, the silo host's cluster membership).</summary>
public enum StorageProvider
{
    /// <summary>A SQLite file through Orleans' ADO.NET provider (the default; one machine).</summary>
    Sqlite,

    /// <summary>In memory: lost when the silo stops. For tests and experiments only.</summary>
    Memory,

    /// <summary>
    /// PostgreSQL through Orleans' ADO.NET provider: the backend for more than one machine. The silo host also keeps
    /// cluster membership there (ADO.NET clustering) when this is selected.
    /// </summary>
    Postgres,
}

/// <summary>
/// Where grain state lives. Bound from the <c>TwoPc:Storage</c> configuration section (use <see cref="Load"/>, which
/// also reads the connection string's environment variable); validated when the silo is configured.
/// </summary>
public sealed class TwoPcStorageOptions
{
    public const string Section = "TwoPc:Storage";

    /// <summary>Environment variable read for <see cref="ConnectionString"/> when the setting is empty.</summary>
    public const string PostgresEnvironmentVariable = "ORLEANSTWOPC_POSTGRES";

    /// <summary>Largest accepted <see cref="PostgresMaxPoolSize"/>.</summary>
    public const int MaxPostgresPoolSize = 1000;

    /// <summary>The database. Default <see cref="StorageProvider.Sqlite"/>.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>Folder of the SQLite file, relative to the working directory unless rooted. Default <c>data</c>.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>SQLite file name inside <see cref="DataDirectory"/>. Default <c>orleanstwopc.db</c>.</summary>
    public string SqliteFile { get; set; } = "orleanstwopc.db";

    /// <summary>
    /// How long a SQLite command waits for the database's single writer lock before failing. Default 30 seconds.
    /// </summary>
    public TimeSpan SqliteBusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// PostgreSQL connection string (Npgsql syntax, e.g. <c>Host=127.0.0.1;Port=5432;Username=twopc;Password=...;Database=twopc</c>).
    /// Empty (the default) means: read the environment variable <c>ORLEANSTWOPC_POSTGRES</c>. It holds a password, so it
    /// is never logged; logs show host, port, database, user and pool size only.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Most connections one silo process opens to PostgreSQL (grain state and membership share this one pool); it
    /// replaces any <c>Maximum Pool Size</c> in <see cref="ConnectionString"/>. Keep silos × this below the server's
    /// <c>max_connections</c> (100 by default, 3 of them reserved for superusers): Npgsql's own default of 100 lets a
    /// single busy silo exhaust the server, and activations then fail with error 53300 (too many connections).
    /// When all are busy, a command waits for a free one (up to the connection string's <c>Timeout</c>, 15 s by default).
    /// Default 20: measured here, 20 connections sustain ~3,400 grain writes/s with 200 concurrent writers.
    /// </summary>
    public int PostgresMaxPoolSize { get; set; } = 20;

    /// <summary>
    /// Most grain-state writes committed in one database transaction (group commit; see docs/performance.md).
    /// Default 256. 1 turns group commit off: every write is its own transaction, as with the plain provider.
    /// </summary>
    public int MaxWriteBatch { get; set; } = 256;

    /// <summary>
    /// PostgreSQL connections that commit write batches at once (each held open by its writer); taken from
    /// <see cref="PostgresMaxPoolSize"/>. Default 4. SQLite always has one: it has a single writer.
    /// </summary>
    public int PostgresWriteConnections { get; set; } = 4;

    public string SqlitePath => Path.GetFullPath(Path.Combine(DataDirectory, SqliteFile));

    /// <summary>
    /// Binds the <c>TwoPc:Storage</c> section; an empty <see cref="ConnectionString"/> is filled from
    /// <c>ORLEANSTWOPC_POSTGRES</c>.
    /// </summary>
    public static TwoPcStorageOptions Load(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<TwoPcStorageOptions>() ?? new TwoPcStorageOptions();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            options.ConnectionString = Environment.GetEnvironmentVariable(PostgresEnvironmentVariable) ?? "";
        }

        return options;
    }

    /// <summary>
    /// The connection string the silo uses (grain state, the batched writer, membership): <see cref="ConnectionString"/>
    /// with the pool capped and <c>synchronous_commit=on</c> for every session. A grain-state write is acknowledged as
    /// durable, and a session with <c>off</c> (a role's or database's default, or the given <c>Options</c>) acknowledges
    /// a commit before its WAL record is flushed. It goes last in the startup <c>Options</c>, so it overrides an earlier
    /// <c>-c synchronous_commit</c> there, and startup options override role and database defaults. (It also
    /// replaces <c>remote_apply</c>; <c>on</c> still waits for synchronous standbys to flush.)
    /// </summary>
    public string PostgresConnectionString()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = PostgresMaxPoolSize };
        builder.Options = string.IsNullOrWhiteSpace(builder.Options)
            ? PostgresSchema.SynchronousCommitOption
            : $"{builder.Options} {PostgresSchema.SynchronousCommitOption}";
        if (builder.MinPoolSize > builder.MaxPoolSize)
        {
            builder.MinPoolSize = builder.MaxPoolSize;
        }

        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "orleanstwopc";
        }

        return builder.ConnectionString;
    }

    /// <summary>Where the PostgreSQL data lives, for logs: host, port, database, user and pool size; never the password.</summary>
    public string PostgresDescription() => PostgresSchema.Describe(PostgresConnectionString());

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxWriteBatch, 1, nameof(MaxWriteBatch));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxWriteBatch, 10_000, nameof(MaxWriteBatch));
        switch (Provider)
        {
            case StorageProvider.Sqlite:
                ArgumentException.ThrowIfNullOrWhiteSpace(DataDirectory, nameof(DataDirectory));
                ArgumentException.ThrowIfNullOrWhiteSpace(SqliteFile, nameof(SqliteFile));
                ArgumentOutOfRangeException.ThrowIfLessThan(SqliteBusyTimeout, TimeSpan.FromSeconds(1), nameof(SqliteBusyTimeout));
                break;
            case StorageProvider.Postgres:
                ValidatePostgres();
                break;
            case StorageProvider.Memory:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(Provider), Provider, "unknown storage provider");
        }
    }

    private void ValidatePostgres()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(PostgresWriteConnections, 1, nameof(PostgresWriteConnections));
        if (PostgresWriteConnections >= PostgresMaxPoolSize)
        {
            throw new ArgumentOutOfRangeException(nameof(PostgresWriteConnections), PostgresWriteConnections,
                $"must be below PostgresMaxPoolSize ({PostgresMaxPoolSize}): reads and membership need connections too");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(PostgresMaxPoolSize, 2, nameof(PostgresMaxPoolSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PostgresMaxPoolSize, MaxPostgresPoolSize, nameof(PostgresMaxPoolSize));
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException(
                $"TwoPc:Storage:Provider is Postgres but no connection string is set: set TwoPc:Storage:ConnectionString " +
                $"or the environment variable {PostgresEnvironmentVariable}", nameof(ConnectionString));
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        }
        catch (ArgumentException)
        {
            // The parser's message may quote the string, password included: say only that it is malformed.
            throw new ArgumentException("TwoPc:Storage:ConnectionString is not a valid Npgsql connection string", nameof(ConnectionString));
        }

        if (string.IsNullOrWhiteSpace(builder.Host) || string.IsNullOrWhiteSpace(builder.Database))
        {
            throw new ArgumentException("TwoPc:Storage:ConnectionString must name Host and Database", nameof(ConnectionString));
        }
    }
}

/// <summary>Registers the grain storage named <see cref="Name"/> that coordinators and participants persist to.</summary>
public static class TwoPcStorage
{
    /// <summary>The grain storage provider name used by every grain of the service.</summary>
    public const string Name = "twopc";

    /// <summary>The ADO.NET invariant of PostgreSQL (Npgsql), for the host's ADO.NET clustering.</summary>
    public const string PostgresInvariant = PostgresSchema.Invariant;

    /// <summary>Orleans' ADO.NET (or memory) provider itself, under the decorators registered as <see cref="Name"/>.</summary>
    internal const string InnerName = "twopc-database";

    internal static void Add(ISiloBuilder silo, TwoPcStorageOptions storage)
    {
        storage.Validate();
        // The grains' storage: fault injection (inactive unless a test switches it on) over exact keys over the database.
        silo.Services.AddKeyedSingleton<IGrainStorage>(Name, (sp, _) =>
        {
            var database = sp.GetRequiredKeyedService<IGrainStorage>(InnerName);
            if (storage.Provider != StorageProvider.Memory)
            {
                var provider = sp.GetRequiredService<IOptionsMonitor<AdoNetGrainStorageOptions>>().Get(InnerName);
                database = new BatchedWriteGrainStorage(database, sp.GetRequiredKeyedService<WriteBatcher.Lease>(InnerName).Batcher, InnerName,
                    sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId, provider.GrainStorageSerializer, provider.HashPicker,
                    offScheduler: storage.Provider == StorageProvider.Sqlite);
            }

            return new FaultInjectingGrainStorage(new ExactKeyGrainStorage(database), sp.GetRequiredService<IStorageFaultPolicy>());
        });
        switch (storage.Provider)
        {
            case StorageProvider.Memory:
                silo.AddMemoryGrainStorage(InnerName);
                // The memory provider serializes too (JSON by default, which cannot rebuild the request records):
                // use the same binary serializer, so a coordinator re-activated from memory reads its record back.
                silo.Services.AddOptions<MemoryGrainStorageOptions>(InnerName)
                    .Configure<Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
                break;
            case StorageProvider.Sqlite:
                Directory.CreateDirectory(Path.GetDirectoryName(storage.SqlitePath)!);
                // One process per data directory: a second silo process on this file would run the same ids again.
                silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(new DataDirectoryGuard(Path.GetDirectoryName(storage.SqlitePath)!));
                var connectionString = SqliteSchema.ConnectionString(storage.SqlitePath, storage.SqliteBusyTimeout);
                // Every SQLite connection of the service, the provider's included, opens with synchronous=FULL.
                var sqlite = new DurableSqliteDataSource(connectionString);
                silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
                    ActivatorUtilities.CreateInstance<SqliteSchema>(sp, storage.SqlitePath, connectionString));
                silo.Services.AddSingleton(new ExpiredRecordJanitor(sqlite.CreateConnection,
                    cutoff => cutoff.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)));
                AddBatcher(silo.Services, storage.SqlitePath, sqlite.CreateConnection, lanes: 1, storage.MaxWriteBatch);
                silo.AddAdoNetGrainStorage(InnerName, options =>
                {
                    options.Invariant = SqliteSchema.Invariant;
                    options.DataSource = sqlite;
                });
                UseOrleansSerializer(silo.Services);
                break;
            case StorageProvider.Postgres:
                var postgres = storage.PostgresConnectionString();
                // At the first silo lifecycle stage: the tables exist before membership (the silo host's ADO.NET
                // clustering) and grain storage initialise.
                silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
                    ActivatorUtilities.CreateInstance<PostgresSchema>(sp, postgres));
                silo.Services.AddSingleton(new ExpiredRecordJanitor(() => new NpgsqlConnection(postgres), cutoff => cutoff.ToUniversalTime()));
                // The writers run one statement over and over: let Npgsql prepare it on the server once per connection
                // instead of the server parsing and planning every row.
                var writers = new NpgsqlConnectionStringBuilder(postgres) { MaxAutoPrepare = 4, AutoPrepareMinUsages = 2 }.ConnectionString;
                AddBatcher(silo.Services, writers, () => new NpgsqlConnection(writers), storage.PostgresWriteConnections, storage.MaxWriteBatch);
                silo.AddAdoNetGrainStorage(InnerName, options =>
                {
                    options.Invariant = PostgresSchema.Invariant;
                    options.ConnectionString = postgres;
                });
                UseOrleansSerializer(silo.Services);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(storage), storage.Provider, "unknown storage provider");
        }
    }

    // One batcher per database in this process, shared by its silos (SQLite has one writer: two batchers on one file
    // would collide and sleep on the lock). The key is the file path or the whole connection string (search path
    // included), never logged. Each silo holds a lease; the container disposes it at shutdown, after the
    // grains' last writes, and the last lease stops the batcher.
    private static void AddBatcher(IServiceCollection services, string database, Func<System.Data.Common.DbConnection> connect, int lanes, int maxBatch) =>
        services.AddKeyedSingleton(InnerName, (sp, _) => WriteBatcher.Share(database, () => new WriteBatcher(connect, lanes, maxBatch,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<WriteBatcher>(),
            sp.GetRequiredService<Diagnostics.TwoPcInstruments>().WriteBatchSize.Record)));

    // Orleans' binary serializer with [Alias]ed types: stored rows survive renames of state classes, unlike the
    // default JSON that embeds .NET type names.
    private static void UseOrleansSerializer(IServiceCollection services) =>
        services.AddOptions<AdoNetGrainStorageOptions>(InnerName)
            .Configure<Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
}
