using Microsoft.Extensions.DependencyInjection;

namespace OrleansTwoPc.Chaos;

/// <summary>
/// The test cluster's shared membership table as one silo sees it: every operation waits while that silo is paused,
/// so a paused silo neither refreshes its view (it cannot learn it was declared dead) nor proves it is alive; and for
/// a moment after it resumes (<see cref="SiloPause.ResumeAsync"/>), so it runs as a zombie first.
/// </summary>
public sealed class PausableMembershipTable(IMembershipTable inner, SiloPause pause) : IMembershipTable
{
    // The runtime calls the cancellable methods; the older ones (obsolete in Orleans 10) forward to them.
    public async Task InitializeMembershipTableAsync(bool tryInitTableVersion, CancellationToken cancellationToken)
    {
        await pause.WaitMembershipAsync();
        await inner.InitializeMembershipTableAsync(tryInitTableVersion, cancellationToken);
    }

    public async Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken)
    {
        await pause.WaitMembershipAsync();
        await inner.DeleteMembershipTableEntriesAsync(clusterId, cancellationToken);
    }

    public async Task CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken)
    {
        await pause.WaitMembershipAsync();
        await inner.CleanupDefunctSiloEntriesAsync(beforeDate, cancellationToken);
    }

    public async Task<MembershipTableData> ReadRowAsync(SiloAddress key, CancellationToken cancellationToken)
    {
        await pause.WaitMembershipAsync();
        return await inner.ReadRowAsync(key, cancellationToken);
    }

    public async Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken)
    {
        await pause.WaitMembershipAsync();
        return await inner.ReadAllAsync(cancellationToken);
    }

    public async Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken)
    {
        await pause.WaitMembershipAsync();
        return await inner.InsertRowAsync(entry, tableVersion, cancellationToken);
    }

    public async Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken)
    {
        await pause.WaitMembershipAsync();
        return await inner.UpdateRowAsync(entry, etag, tableVersion, cancellationToken);
    }

    public async Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken)
    {
        await pause.WaitMembershipAsync();
        await inner.UpdateIAmAliveAsync(entry, cancellationToken);
    }

    public Task InitializeMembershipTable(bool tryInitTableVersion) => InitializeMembershipTableAsync(tryInitTableVersion, CancellationToken.None);

    public Task DeleteMembershipTableEntries(string clusterId) => DeleteMembershipTableEntriesAsync(clusterId, CancellationToken.None);

    public Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate) => CleanupDefunctSiloEntriesAsync(beforeDate, CancellationToken.None);

    public Task<MembershipTableData> ReadRow(SiloAddress key) => ReadRowAsync(key, CancellationToken.None);

    public Task<MembershipTableData> ReadAll() => ReadAllAsync(CancellationToken.None);

    public Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion) => InsertRowAsync(entry, tableVersion, CancellationToken.None);

    public Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion) => UpdateRowAsync(entry, etag, tableVersion, CancellationToken.None);

    public Task UpdateIAmAlive(MembershipEntry entry) => UpdateIAmAliveAsync(entry, CancellationToken.None);

    /// <summary>
    /// The test cluster registers its table after every silo configuration delegate ran, so it can only be wrapped
    /// when the service provider is built: this factory does that, then builds the provider as a Development host
    /// would (scopes and the whole graph validated).
    /// </summary>
    public sealed class WrappingFactory : IServiceProviderFactory<IServiceCollection>
    {
        public IServiceCollection CreateBuilder(IServiceCollection services)
        {
            var table = services.LastOrDefault(d => d.ServiceType == typeof(IMembershipTable) && !d.IsKeyedService)
                ?? throw new InvalidOperationException("the test cluster registered no membership table to wrap");
            services.Remove(table);
            services.AddSingleton<IMembershipTable>(sp => new PausableMembershipTable(Resolve(sp, table), sp.GetRequiredService<SiloPause>()));
            return services;
        }

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder) =>
            containerBuilder.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        private static IMembershipTable Resolve(IServiceProvider services, ServiceDescriptor descriptor) => (IMembershipTable)(
            descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!));
    }
}
