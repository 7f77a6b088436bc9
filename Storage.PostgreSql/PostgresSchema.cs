using System.Reflection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansTwoPc.Storage.PostgreSql;

/// <summary>
/// At the silo's first lifecycle stage (before the membership table initialises,
/// <see cref="ServiceLifecycleStage.RuntimeGrainServices"/>, and before grain storage does,
/// <see cref="ServiceLifecycleStage.ApplicationServices"/>): creates what its <see cref="PostgresSchemaPlan"/> asks for
/// (the schema, the grain-state table, the membership tables, and the <c>OrleansQuery</c> rows they run), idempotently,
/// or, when asked to install nothing, checks that the grain-state queries are there. Silos starting together apply the
/// scripts one after the other: they run in one transaction that first takes a transaction-scoped advisory lock.
/// </summary>
internal sealed partial class PostgresSchema(string connectionString, PostgresSchemaPlan plan, ILogger<PostgresSchema> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Installs both scripts into the connection's search path.</summary>
    public PostgresSchema(string connectionString, ILogger<PostgresSchema> logger)
        : this(connectionString, PostgresSchemaPlan.Everything, logger)
    {
    }

    /// <summary>The ADO.NET invariant that makes Orleans load Npgsql's factory.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>The startup option that turns <c>synchronous_commit</c> on for a session (see TwoPcStorageOptions.PostgresConnectionString).</summary>
    public const string SynchronousCommitOption = "-c synchronous_commit=on";

    /// <summary>The startup option that keeps the writers' prepared point writes on the primary key (see TwoPcPostgresOptions.WriterConnectionString).</summary>
    public const string WriterPlanOption = "-c enable_seqscan=off";

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
            if (!plan.InstallStorage && !plan.InstallMembership)
            {
                await RequireStorageSchemaAsync(connection, where, cancellationToken);
                LogReady(logger, where);
                return;
            }

            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key);", connection, transaction))
            {
                command.Parameters.AddWithValue("key", AdvisoryLockKey);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            if (plan.Schema is { Length: > 0 } schema)
            {
                // A plain name (validated): created if missing, and the search path of these connections already names it.
                await using var command = new NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS {schema};", connection, transaction);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var script in Scripts())
            {
                await using var command = new NpgsqlCommand(Script(script), connection, transaction);
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

    /// <summary>Whether <paramref name="name"/> is a schema name that needs no quoting: lower-case letters, digits, underscores.</summary>
    public static bool IsPlainName(string name) =>
        name.Length is > 0 and <= 63 && (char.IsAsciiLetterLower(name[0]) || name[0] == '_')
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');

    private IEnumerable<string> Scripts()
    {
        if (plan.InstallStorage)
        {
            yield return "postgres-storage.sql";
        }

        if (plan.InstallMembership)
        {
            yield return "postgres-membership.sql";
        }
    }

    // Installing nothing is the default for an application's database: refuse to start on a database without the
    // grain-state queries instead of failing at the first write.
    private static async Task RequireStorageSchemaAsync(NpgsqlConnection connection, string where, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT to_regclass('orleansquery') IS NOT NULL AND to_regclass('orleansstorage') IS NOT NULL;", connection);
        var present = await command.ExecuteScalarAsync(cancellationToken) is true;
        if (present)
        {
            await using var rows = new NpgsqlCommand("SELECT count(*) FROM OrleansQuery WHERE QueryKey = 'WriteToStorageKey';", connection);
            present = Convert.ToInt64(await rows.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 1;
        }

        if (!present)
        {
            throw new InvalidOperationException(
                $"PostgreSQL ({where}) has no OrleansTwoPc schema in the connection's search path: set " +
                "TwoPcPostgresOptions.InstallSchema = true, or run the package's sql/postgres-storage.sql in that schema first");
        }
    }

    /// <summary>The connection string without secrets, for logs: host, port, database, user, pool size.</summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"host {builder.Host}:{builder.Port}, database {builder.Database}, schema {builder.SearchPath ?? "(default)"}, " +
               $"user {builder.Username}, pool {builder.MinPoolSize}..{builder.MaxPoolSize}";
    }

    private static string Script(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("OrleansTwoPc.Storage.PostgreSql." + name)
            ?? throw new InvalidOperationException($"embedded {name} missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Information,
        Message = "OrleansTwoPc storage: PostgreSQL ({Where}); schema ready")]
    private static partial void LogReady(ILogger logger, string where);

    [LoggerMessage(EventId = 211, Level = LogLevel.Error,
        Message = "Could not apply the PostgreSQL schema ({Where}); the silo cannot start without it")]
    private static partial void LogFailed(ILogger logger, Exception exception, string where);
}
