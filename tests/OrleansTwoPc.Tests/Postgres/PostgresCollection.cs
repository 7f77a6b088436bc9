namespace OrleansTwoPc.Tests.Postgres;

/// <summary>
/// The PostgreSQL tests run one class at a time, apart from the rest: each opens its own connection pool (and the
/// clustering test two silo processes), which together must stay under the server's max_connections, and the
/// silo-kill test measures failure detection, which CPU contention from parallel tests would blur.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PostgresCollection
{
    public const string Name = "postgresql";
}
