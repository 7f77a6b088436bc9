using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Scheduling;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Storage.PostgreSql;
using OrleansTwoPc.Storage.Sqlite;
using OrleansTwoPc.Storage;
using OrleansTwoPc.Tests.Cluster;

namespace OrleansTwoPc.Tests.Storage;

/// <summary>A silo's two write paths to the same table: the provider alone, and the batched path over it.</summary>
internal sealed record StoragePaths(IGrainStorage Provider, BatchedWriteGrainStorage Batched, WriteBatcher Batcher)
{
    public static StoragePaths Of(TwoPcCluster cluster, int silo)
    {
        var services = cluster.Inner.Silos[silo].ServiceProvider;
        var provider = services.GetRequiredKeyedService<IGrainStorage>(AdoNetBackend.ProviderName);
        var options = ProviderOptions(cluster, silo);
        var batcher = services.GetRequiredKeyedService<WriteBatcher.Lease>(AdoNetBackend.ProviderName).Batcher;
        var batched = new BatchedWriteGrainStorage(provider, batcher, AdoNetBackend.ProviderName,
            services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId, options.GrainStorageSerializer, options.HashPicker,
            offScheduler: true);
        return new StoragePaths(provider, batched, batcher);
    }

    /// <summary>The options Orleans' ADO.NET provider of a silo runs with.</summary>
    public static AdoNetGrainStorageOptions ProviderOptions(TwoPcCluster cluster, int silo) =>
        cluster.Inner.Silos[silo].ServiceProvider.GetRequiredService<IOptionsMonitor<AdoNetGrainStorageOptions>>().Get(AdoNetBackend.ProviderName);

    public async Task<GrainState<string>> ReadAsync(string key)
    {
        var state = new GrainState<string>();
        await Provider.ReadStateAsync("probe", Grain(key), state);
        return state;
    }

    public static GrainId Grain(string key) => GrainId.Create("ledger", key);

    public static GrainState<string> WithValue(GrainState<string> state, string value)
    {
        state.State = value;
        return state;
    }

    public static async Task<Exception?> Attempt(Task write)
    {
        try
        {
            await write;
            return null;
        }
        catch (Exception exception)
        {
            return exception;
        }
    }
}
