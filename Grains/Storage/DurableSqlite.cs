using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace OrleansTwoPc.Storage;

/// <summary>
/// Where every SQLite connection of the service comes from: the ADO.NET provider's (given as its
/// <c>DataSource</c>, which it opens instead of a connection string), the batched writer's, the janitor's and the
/// schema installer's. A grain-state write is acknowledged as durable, so every connection must flush its commits.
/// </summary>
internal sealed class DurableSqliteDataSource(string connectionString) : DbDataSource
{
    public override string ConnectionString => connectionString;

    protected override DbConnection CreateDbConnection() => new DurableSqliteConnection(connectionString);
}

/// <summary>
/// A SQLite connection that sets <c>synchronous=FULL</c> every time it opens. The setting is per connection and
/// Microsoft.Data.Sqlite's connection string has no keyword for it; SQLite's compiled-in default happens to be FULL,
/// but a pooled connection keeps whatever its last user set, so it is set at every open, pooled or not (a statement
/// that does no I/O). WAL is a property of the file: <see cref="SqliteSchema"/> sets it once at start and it sticks.
/// </summary>
internal sealed class DurableSqliteConnection(string connectionString) : SqliteConnection(connectionString)
{
    // DbConnection.OpenAsync runs Open: Microsoft.Data.Sqlite is synchronous underneath.
    public override void Open()
    {
        base.Open();
        using var command = CreateCommand();
        command.CommandText = "PRAGMA synchronous = FULL;";
        command.ExecuteNonQuery();
    }
}
