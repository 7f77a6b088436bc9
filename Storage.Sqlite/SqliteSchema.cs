using System.Reflection;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace OrleansTwoPc.Storage.Sqlite;

/// <summary>
/// Creates the SQLite schema the ADO.NET provider needs (its storage table and the <c>OrleansQuery</c> rows it
/// runs), idempotently, before the provider initialises, when asked to (<see cref="TwoPcSqliteOptions.InstallSchema"/>;
/// otherwise checks that it is there); switches the file to WAL (a property of the file, so once is
/// enough); logs where data lives and the journal and synchronous settings its connections run with.
/// </summary>
internal sealed partial class SqliteSchema(string path, string connectionString, bool install, ILogger<SqliteSchema> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The ADO.NET invariant that makes Orleans load Microsoft.Data.Sqlite's factory.</summary>
    public const string Invariant = "System.Data.SQLite";

    public static string ConnectionString(string path, TimeSpan busyTimeout) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Pooling = true,
        DefaultTimeout = (int)busyTimeout.TotalSeconds,
    }.ToString();

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SqliteSchema), ServiceLifecycleStage.RuntimeInitialize, _ => EnsureCreatedAsync());

    public async Task EnsureCreatedAsync()
    {
        await using var connection = new DurableSqliteConnection(connectionString);
        await connection.OpenAsync();
        // WAL is a property of the file, so setting it once sticks; it must be set outside a transaction.
        var journal = await ScalarAsync(connection, "PRAGMA journal_mode=WAL;");
        var synchronous = await ScalarAsync(connection, "PRAGMA synchronous;");
        var synchronousName = SynchronousName(synchronous);
        if (!install)
        {
            await RequireSchemaAsync(connection);
            LogReady(logger, path, journal, synchronousName);
            return;
        }

        // BEGIN IMMEDIATE takes the writer lock, so two silos starting on one file apply the script one after the other.
        await using (var transaction = connection.BeginTransaction(deferred: false))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Script();
            await command.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }

        LogReady(logger, path, journal, synchronousName);
    }

    private async Task RequireSchemaAsync(SqliteConnection connection)
    {
        var tables = await ScalarAsync(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'OrleansQuery';");
        var rows = tables == "1"
            ? await ScalarAsync(connection, "SELECT count(*) FROM OrleansQuery WHERE QueryKey = 'WriteToStorageKey';")
            : "0";
        if (rows != "1")
        {
            throw new InvalidOperationException(
                $"The SQLite file {path} has no OrleansTwoPc schema: set TwoPcSqliteOptions.InstallSchema = true, or run the " +
                "package's sql/sqlite.sql on it first");
        }
    }

    private static async Task<string> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    private static string SynchronousName(string value) => value switch
    {
        "0" => "OFF",
        "1" => "NORMAL",
        "2" => "FULL",
        "3" => "EXTRA",
        _ => value,
    };

    private static string Script()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("OrleansTwoPc.Storage.Sqlite.sqlite.sql")
            ?? throw new InvalidOperationException("embedded sqlite.sql missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information,
        Message = "Grain state: SQLite file {Path} (journal {Journal}, synchronous {Synchronous}); schema ready")]
    private static partial void LogReady(ILogger logger, string path, string journal, string synchronous);
}
