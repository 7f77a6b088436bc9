namespace OrleansTwoPc.Storage.PostgreSql;

/// <summary>What <see cref="PostgresSchema"/> installs at silo start, and where.</summary>
/// <param name="Schema">The schema the tables live in (created when installing); null: the connection's search path.</param>
/// <param name="InstallStorage">Apply <c>postgres-storage.sql</c>; when false, only check that its query rows are there.</param>
/// <param name="InstallMembership">Apply <c>postgres-membership.sql</c>.</param>
internal sealed record PostgresSchemaPlan(string? Schema, bool InstallStorage, bool InstallMembership)
{
    /// <summary>Both scripts into the connection's search path: what the OrleansTwoPc silo host has always done.</summary>
    public static PostgresSchemaPlan Everything { get; } = new(null, InstallStorage: true, InstallMembership: true);
}
