using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace OrleansTwoPc.Storage.Sqlite;

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
