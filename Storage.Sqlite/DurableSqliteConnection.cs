using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace OrleansTwoPc.Storage.Sqlite;

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
