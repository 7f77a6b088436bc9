using Microsoft.Extensions.Logging.Abstractions;
using OrleansTwoPc.Storage.Sqlite;
using OrleansTwoPc.Tests.Cluster;

namespace OrleansTwoPc.Tests.Storage;

/// <summary>
/// Schema installation is explicit: with it off, a silo on a database without the schema refuses to start with a message
/// that says what to do, and creates no table; with it on, the schema is installed (idempotently), and a later start with
/// it off finds it.
/// </summary>
public sealed class SchemaInstallTests
{
    [Fact]
    public async Task Sqlite_without_the_schema_and_installation_off_refuses_to_start_and_creates_no_table()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "app.db");
        var connectionString = SqliteSchema.ConnectionString(path, TimeSpan.FromSeconds(5));

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(
            () => new SqliteSchema(path, connectionString, install: false, NullLogger<SqliteSchema>.Instance).EnsureCreatedAsync());
        Assert.Contains("has no OrleansTwoPc schema", refused.Message);
        Assert.Contains("InstallSchema", refused.Message);
        Assert.Equal(0L, await TablesAsync(connectionString));

        await new SqliteSchema(path, connectionString, install: true, NullLogger<SqliteSchema>.Instance).EnsureCreatedAsync();
        await new SqliteSchema(path, connectionString, install: true, NullLogger<SqliteSchema>.Instance).EnsureCreatedAsync();
        var tables = await TablesAsync(connectionString);
        Assert.True(tables >= 2, $"expected the schema's tables, found {tables}");

        await new SqliteSchema(path, connectionString, install: false, NullLogger<SqliteSchema>.Instance).EnsureCreatedAsync();
        Assert.Equal(tables, await TablesAsync(connectionString));
    }

    private static async Task<long> TablesAsync(string connectionString) =>
        Convert.ToInt64(await TestSql.SqliteAsync(connectionString, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"),
            System.Globalization.CultureInfo.InvariantCulture);
}
