using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansTwoPc.Benchmark.Baseline;
using OrleansTwoPc.Benchmark.Probes;

namespace OrleansTwoPc.Benchmark.Cluster;

/// <summary>
/// One storage backend, configured identically for both systems: OrleansTwoPc's <c>twopc</c> storage through
/// AddTwoPc's own settings, and a second named provider on the same database for Orleans Transactions.
/// </summary>
public sealed class StorageTarget : IDisposable
{
    public const string PostgresVariable = "ORLEANSTWOPC_POSTGRES";

    /// <summary>Per pool and silo; the same cap AddTwoPc's PostgreSQL provider uses by default.</summary>
    private const int PostgresPoolSize = 20;

    private StorageTarget(string name, string? folder, string? connectionString)
    {
        Name = name;
        Folder = folder;
        ConnectionString = connectionString;
    }

    /// <summary>memory, sqlite or postgres.</summary>
    public string Name { get; }

    /// <summary>The SQLite file's temporary folder (deleted on dispose).</summary>
    public string? Folder { get; }

    public string? ConnectionString { get; }

    public string? SqlitePath => Folder is null ? null : Path.Combine(Folder, "orleanstwopc.db");

    /// <summary>Checks a storage can run here before any cluster starts, so a bad list fails in the first second.</summary>
    public static void Preflight(string name)
    {
        if (name == "postgres")
        {
            if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresVariable)))
            {
                throw new UsageException(
                    $"--storage postgres needs the environment variable {PostgresVariable} set to an Npgsql connection string, " +
                    "e.g. Host=127.0.0.1;Port=5432;Username=twopc;Password=...;Database=twopc (the database must exist; the schema is installed by the silo host's storage settings).");
            }
        }
    }

    public static StorageTarget Create(string name) => name switch
    {
        "memory" => new StorageTarget(name, null, null),
        "sqlite" => CreateSqlite(),
        "postgres" => CreatePostgres(),
        _ => throw new UsageException($"unknown storage '{name}'"),
    };

    /// <summary>The AddTwoPc configuration for this backend.</summary>
    public Dictionary<string, string?> TwoPcSettings() => Name switch
    {
        "memory" => new() { ["TwoPc:Storage:Provider"] = "Memory" },
        "sqlite" => new()
        {
            ["TwoPc:Storage:Provider"] = "Sqlite",
            ["TwoPc:Storage:DataDirectory"] = Folder,
            ["TwoPc:Storage:SqliteFile"] = Path.GetFileName(SqlitePath),
        },
        _ => new()
        {
            ["TwoPc:Storage:Provider"] = "Postgres",
            ["TwoPc:Storage:ConnectionString"] = Environment.GetEnvironmentVariable(PostgresVariable),
            ["TwoPc:Storage:PostgresMaxPoolSize"] = PostgresPoolSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    };

    /// <summary>
    /// Registers <see cref="BenchStorageNames.OrleansTx"/>: the same backend (same file or database) as <c>twopc</c>,
    /// with the same Orleans binary serializer, behind a pass-through decorator that counts writes.
    /// The SQLite and PostgreSQL schema is installed by AddTwoPc for the same database, before storage providers start.
    /// </summary>
    public void AddOrleansTxStorage(ISiloBuilder silo, StorageCounters counters)
    {
        silo.Services.AddKeyedSingleton<IGrainStorage>(BenchStorageNames.OrleansTx, (sp, _) =>
            new CountingGrainStorage(sp.GetRequiredKeyedService<IGrainStorage>(BenchStorageNames.OrleansTxInner), counters));
        switch (Name)
        {
            case "memory":
                silo.AddMemoryGrainStorage(BenchStorageNames.OrleansTxInner);
                return;
            case "sqlite":
                silo.AddAdoNetGrainStorage(BenchStorageNames.OrleansTxInner, o =>
                {
                    o.Invariant = "System.Data.SQLite";
                    o.ConnectionString = SqliteConnectionString();
                });
                break;
            default:
                silo.AddAdoNetGrainStorage(BenchStorageNames.OrleansTxInner, o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = PostgresConnectionString();
                });
                break;
        }

        silo.Services.AddOptions<AdoNetGrainStorageOptions>(BenchStorageNames.OrleansTxInner)
            .Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
    }

    /// <summary>What the report says about this backend's settings.</summary>
    public async Task<string> DescribeAsync()
    {
        switch (Name)
        {
            case "memory":
                return "in-memory grain storage (Orleans' memory provider), lost at shutdown";
            case "sqlite":
                await using (var connection = new SqliteConnection(SqliteConnectionString()))
                {
                    await connection.OpenAsync();
                    var journal = await ScalarAsync(connection, "PRAGMA journal_mode;");
                    var synchronous = await ScalarAsync(connection, "PRAGMA synchronous;") switch
                    {
                        "0" => "OFF", "1" => "NORMAL", "2" => "FULL", "3" => "EXTRA", var other => other,
                    };
                    var meaning = synchronous switch
                    {
                        "FULL" or "EXTRA" => "every commit syncs the WAL to disk, so an acknowledged write survives power loss",
                        "NORMAL" => "in WAL mode commits are synced only at checkpoints: an acknowledged write can be lost on power loss (not on a process crash)",
                        _ => "no syncs: writes can be lost on power loss",
                    };
                    return $"SQLite file in a temporary folder, journal_mode={journal}, synchronous={synchronous} (a new connection's default, " +
                        $"left as AddTwoPc leaves it: {meaning}); ADO.NET grain storage, Orleans binary serializer, one file for both systems";
                }

            default:
                var builder = new NpgsqlConnectionStringBuilder(PostgresConnectionString());
                return $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database} as {builder.Username}, Maximum Pool Size={builder.MaxPoolSize} per pool and silo, " +
                    "ADO.NET grain storage, Orleans binary serializer, one database for both systems";
        }
    }

    /// <summary>
    /// Deletes the grain-state rows of <paramref name="serviceId"/> (both systems' rows carry it) from PostgreSQL and
    /// returns how many; null for the other backends, or when the delete failed (said on the console, not fatal).
    /// Then vacuums the table, so that the next cell does not start on up to a million dead rows that autovacuum
    /// reclaims at a moment nobody chose, during someone's measurement.
    /// </summary>
    public async Task<long?> DeleteRowsAsync(string serviceId)
    {
        if (Name != "postgres")
        {
            return null;
        }

        try
        {
            await using var connection = new NpgsqlConnection(PostgresConnectionString());
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("DELETE FROM OrleansStorage WHERE ServiceId = @serviceId", connection) { CommandTimeout = 600 };
            command.Parameters.AddWithValue("serviceId", serviceId);
            var deleted = await command.ExecuteNonQueryAsync();
            await using var vacuum = new NpgsqlCommand("VACUUM (ANALYZE) OrleansStorage", connection) { CommandTimeout = 600 };
            await vacuum.ExecuteNonQueryAsync();
            return deleted;
        }
        catch (NpgsqlException ex)
        {
            Console.Error.WriteLine($"postgres: could not delete the rows of service id {serviceId}: {ex.Message}");
            return null;
        }
    }

    public void Dispose()
    {
        if (Folder is null)
        {
            return;
        }

        // SQLite's connection pool can hold the file for a moment after the silos stopped.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(Folder, recursive: true);
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(200);
            }
        }
    }

    // The same settings AddTwoPc uses for its own connections (busy timeout 30 s), so both systems share one pool.
    private string SqliteConnectionString() => new SqliteConnectionStringBuilder
    {
        DataSource = SqlitePath,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    private string PostgresConnectionString()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = PostgresPoolSize };
        if (builder.MinPoolSize > builder.MaxPoolSize)
        {
            builder.MinPoolSize = builder.MaxPoolSize;
        }

        return builder.ConnectionString;
    }

    private static StorageTarget CreateSqlite() =>
        new("sqlite", Directory.CreateTempSubdirectory("orleanstwopc-bench-").FullName, null);

    private static StorageTarget CreatePostgres()
    {
        Preflight("postgres");
        return new StorageTarget("postgres", null, Environment.GetEnvironmentVariable(PostgresVariable));
    }

    private static async Task<string> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}
