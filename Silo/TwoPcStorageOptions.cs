using Microsoft.Extensions.Configuration;
using OrleansTwoPc.Storage.PostgreSql;
using OrleansTwoPc.Storage.Sqlite;

namespace OrleansTwoPc.Silo;

/// <summary>
/// Where the silo host keeps grain state: which bundled back end, and its settings. Bound from the <c>TwoPc:Storage</c> configuration section (use <see cref="Load"/>, which
/// also reads the connection string's environment variable); validated when the silo is configured.
/// </summary>
public sealed class TwoPcStorageOptions
{
    public const string Section = "TwoPc:Storage";

    /// <summary>Environment variable read for <see cref="ConnectionString"/> when the setting is empty.</summary>
    public const string PostgresEnvironmentVariable = "ORLEANSTWOPC_POSTGRES";

    /// <summary>Largest accepted <see cref="PostgresMaxPoolSize"/>.</summary>
    public const int MaxPostgresPoolSize = TwoPcPostgresOptions.MaxAcceptedPoolSize;

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
    /// Default 20 (docs/performance.md has what it sustains).
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
    /// Create the tables OrleansTwoPc needs (and, on PostgreSQL, the membership tables) at silo start. Default true:
    /// the host's database is its own. False: the silo checks that the schema is there and refuses to start if not.
    /// </summary>
    public bool InstallSchema { get; set; } = true;

    /// <summary>
    /// The PostgreSQL schema the tables live in. Empty (the default): the connection string's search path, normally
    /// <c>public</c>, where the host has always kept them.
    /// </summary>
    public string PostgresSchema { get; set; } = "";

    /// <summary>The SQLite back end's options from these settings.</summary>
    public void ApplyTo(TwoPcSqliteOptions sqlite)
    {
        sqlite.DataDirectory = DataDirectory;
        sqlite.FileName = SqliteFile;
        sqlite.BusyTimeout = SqliteBusyTimeout;
        sqlite.MaxWriteBatch = MaxWriteBatch;
        sqlite.InstallSchema = InstallSchema;
    }

    /// <summary>The PostgreSQL back end's options from these settings: grain state and the host's membership, one schema.</summary>
    public void ApplyTo(TwoPcPostgresOptions postgres)
    {
        postgres.ConnectionString = ConnectionString;
        postgres.Schema = PostgresSchema;
        postgres.MaxPoolSize = PostgresMaxPoolSize;
        postgres.WriteConnections = PostgresWriteConnections;
        postgres.MaxWriteBatch = MaxWriteBatch;
        postgres.InstallSchema = InstallSchema;
        postgres.InstallMembershipSchema = InstallSchema;
    }

    /// <summary>The PostgreSQL back end's options, validated (for the connection string membership shares).</summary>
    public TwoPcPostgresOptions Postgres()
    {
        var postgres = new TwoPcPostgresOptions();
        ApplyTo(postgres);
        postgres.Validate();
        return postgres;
    }

    public void Validate()
    {
        switch (Provider)
        {
            case StorageProvider.Sqlite:
                var sqlite = new TwoPcSqliteOptions();
                ApplyTo(sqlite);
                sqlite.Validate();
                break;
            case StorageProvider.Postgres:
                if (string.IsNullOrWhiteSpace(ConnectionString))
                {
                    throw new ArgumentException(
                        $"TwoPc:Storage:Provider is Postgres but no connection string is set: set TwoPc:Storage:ConnectionString " +
                        $"or the environment variable {PostgresEnvironmentVariable}", nameof(ConnectionString));
                }

                Postgres();
                break;
            case StorageProvider.Memory:
                ArgumentOutOfRangeException.ThrowIfLessThan(MaxWriteBatch, 1, nameof(MaxWriteBatch));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(Provider), Provider, "unknown storage provider");
        }
    }
}
