using Npgsql;

namespace OrleansTwoPc.Tests.Postgres;

/// <summary>
/// The PostgreSQL server the tests use: the connection string in <c>ORLEANSTWOPC_POSTGRES</c>. Without it the
/// PostgreSQL tests are skipped locally, and fail when <c>CI=true</c> (CI must not pass by skipping them).
/// Every test works in a scratch schema of its own (a search_path), dropped afterwards, so runs never see each
/// other's rows.
/// </summary>
public static class PostgresEnvironment
{
    public const string Variable = "ORLEANSTWOPC_POSTGRES";

    public static string? ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why PostgreSQL tests are skipped, or null when they run (configured, or on CI where they must).</summary>
    public static string? SkipReason => ConnectionString is null && !IsCi
        ? $"{Variable} is not set (PostgreSQL tests run when it is; with CI=true they fail instead of skipping)"
        : null;

    public static string RequireConnectionString() => ConnectionString
        ?? throw new InvalidOperationException($"{Variable} is not set: the PostgreSQL tests need a server (CI=true makes this a failure, not a skip)");
}

/// <summary>A fresh PostgreSQL schema for one test or fixture; dropped with everything in it on dispose.</summary>
public sealed class ScratchSchema : IAsyncDisposable
{
    private ScratchSchema(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    /// <summary>The server's connection string with the search_path set to this schema only.</summary>
    public string ConnectionString { get; }

    public static async Task<ScratchSchema> CreateAsync()
    {
        var server = PostgresEnvironment.RequireConnectionString();
        var name = $"twopc_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE SCHEMA {name};", connection);
            await command.ExecuteNonQueryAsync();
        }

        var scoped = new NpgsqlConnectionStringBuilder(server) { SearchPath = name, MaxPoolSize = 20 }.ConnectionString;
        return new ScratchSchema(name, scoped);
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(PostgresEnvironment.RequireConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Name} CASCADE;", connection);
        await command.ExecuteNonQueryAsync();
    }
}
