using OrleansTwoPc.Tests.Postgres;

namespace OrleansTwoPc.Tests.Cluster;

/// <summary>The scenario suite over memory storage.</summary>
[Collection(ClusterCollection.Name)]
public sealed class MemoryTransactionTests(MemoryClusterFixture fixture) : TransactionScenarios(fixture);

/// <summary>The scenario suite over SQLite through Orleans' ADO.NET provider.</summary>
public sealed class SqliteTransactionTests(SqliteClusterFixture fixture) : TransactionScenarios(fixture), IClassFixture<SqliteClusterFixture>;

/// <summary>The scenario suite over PostgreSQL through Orleans' ADO.NET provider (needs <c>ORLEANSTWOPC_POSTGRES</c>).</summary>
[RequiresPostgres]
[Collection(PostgresCollection.Name)]
public sealed class PostgresTransactionTests(PostgresClusterFixture fixture) : TransactionScenarios(fixture), IClassFixture<PostgresClusterFixture>;
