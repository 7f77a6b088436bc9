using System.Reflection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansTwoPc.Storage;

/// <summary>
/// Creates the PostgreSQL schema the ADO.NET providers need (grain-state and membership tables, and the
/// <c>OrleansQuery</c> rows they run), idempotently, at the silo's first lifecycle stage: before the membership table
/// initialises (<see cref="ServiceLifecycleStage.RuntimeGrainServices"/>) and before grain storage does
/// (<see cref="ServiceLifecycleStage.ApplicationServices"/>). Silos starting together apply it one after the other:
/// the script runs in one transaction that first takes a transaction-scoped advisory lock.
/// </summary>
internal sealed partial class PostgresSchema(string connectionString, ILogger<PostgresSchema> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The ADO.NET invariant that makes Orleans load Npgsql's factory.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>The startup option that turns <c>synchronous_commit</c> on for a session (see TwoPcStorageOptions.PostgresConnectionString).</summary>
    public const string SynchronousCommitOption = "-c synchronous_commit=on";

    /// <summary>Advisory lock key taken while the script runs (an arbitrary constant: "2PC schema").</summary>
    internal const long AdvisoryLockKey = 0x32_50_43_5F_53_43_48_4D;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PostgresSchema), ServiceLifecycleStage.First, EnsureCreatedAsync);

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var where = Describe(connectionString);
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await RequireSynchronousCommitAsync(connection, where, cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key);", connection, transaction))
            {
                command.Parameters.AddWithValue("key", AdvisoryLockKey);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var command = new NpgsqlCommand(Script(), connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            LogFailed(logger, ex, where);
            throw;
        }

        LogReady(logger, where);
    }

    // The connection string sets synchronous_commit=on, but something between the silo and the server may drop startup
    // options (a connection pooler does): refuse to run rather than acknowledge writes that a crash of the server can lose.
    private static async Task RequireSynchronousCommitAsync(NpgsqlConnection connection, string where, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SHOW synchronous_commit;", connection);
        var value = Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        if (value is not ("on" or "remote_apply"))
        {
            throw new InvalidOperationException(
                $"PostgreSQL synchronous_commit is '{value}' for the silo's sessions ({where}): a commit could be acknowledged " +
                "before it is durable. The silo asks for 'on' in the connection's startup options; make sure they reach the " +
                "server (a connection pooler may drop them), or set synchronous_commit = on for this role and database");
        }
    }

    /// <summary>The connection string without secrets, for logs: host, port, database, user, pool size.</summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"host {builder.Host}:{builder.Port}, database {builder.Database}, user {builder.Username}, " +
               $"pool {builder.MinPoolSize}..{builder.MaxPoolSize}";
    }

    private static string Script()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("OrleansTwoPc.Storage.Sql.postgres.sql")
            ?? throw new InvalidOperationException("embedded postgres.sql missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Information,
        Message = "Grain state and membership: PostgreSQL ({Where}); schema ready")]
    private static partial void LogReady(ILogger logger, string where);

    [LoggerMessage(EventId = 211, Level = LogLevel.Error,
        Message = "Could not apply the PostgreSQL schema ({Where}); the silo cannot start without it")]
    private static partial void LogFailed(ILogger logger, Exception exception, string where);
}
