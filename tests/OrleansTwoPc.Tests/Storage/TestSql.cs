using Microsoft.Data.Sqlite;
using OrleansTwoPc.Tests.Postgres;

namespace OrleansTwoPc.Tests.Storage;

/// <summary>One statement straight at a test's database, with the optional parameters <c>key</c> and <c>version</c>.</summary>
internal static class TestSql
{
    /// <summary>The connection string of the SQLite file a test cluster keeps in <paramref name="folder"/>.</summary>
    public static string SqliteFile(string folder) => $"Data Source={Path.Combine(folder, "orleanstwopc.db")}";

    public static async Task<object?> SqliteAsync(string connectionString, string sql, string? key = null, long? version = null)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$key", (object?)key ?? DBNull.Value);
        command.Parameters.AddWithValue("$version", (object?)version ?? DBNull.Value);
        return await command.ExecuteScalarAsync();
    }

    public static async Task<object?> PostgresAsync(ScratchSchema schema, string sql, string? key = null, long? version = null)
    {
        await using var connection = await schema.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (key is not null)
        {
            command.Parameters.AddWithValue("key", key);
        }

        if (version is not null)
        {
            command.Parameters.AddWithValue("version", version.Value);
        }

        return await command.ExecuteScalarAsync();
    }
}
