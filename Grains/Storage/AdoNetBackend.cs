using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Diagnostics;

namespace OrleansTwoPc.Storage;

/// <summary>
/// The storage wiring the bundled ADO.NET back ends share: Orleans' ADO.NET provider (under <see cref="ProviderName"/>),
/// with its writes group-committed (<see cref="BatchedWriteGrainStorage"/>), registered as
/// <see cref="TwoPcStorage.DefaultProviderName"/>, and Orleans' binary serializer for the rows.
/// </summary>
internal static class AdoNetBackend
{
    /// <summary>Orleans' ADO.NET provider itself, under the batched writer.</summary>
    public const string ProviderName = "twopc-adonet";

    public static void Add(ISiloBuilder silo, AdoNetBackendSettings settings)
    {
        var services = silo.Services;
        silo.AddAdoNetGrainStorage(ProviderName, options =>
        {
            options.Invariant = settings.Invariant;
            settings.ConnectProvider(options);
        });
        // Orleans' binary serializer with [Alias]ed types: stored rows survive renames of state classes, unlike the
        // default JSON that embeds .NET type names.
        services.AddOptions<AdoNetGrainStorageOptions>(ProviderName)
            .Configure<Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
        // One batcher per database in this process, shared by its silos (SQLite has one writer: two batchers on one
        // file would collide and sleep on the lock). Each silo holds a lease; the container disposes it at shutdown,
        // after the grains' last writes, and the last lease stops the batcher.
        services.AddKeyedSingleton(ProviderName, (sp, _) => WriteBatcher.Share(settings.WriterKey, () => new WriteBatcher(
            settings.ConnectWriter, settings.WriterLanes, settings.MaxWriteBatch,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<WriteBatcher>(),
            sp.GetRequiredService<TwoPcInstruments>().WriteBatchSize.Record)));
        services.AddKeyedSingleton<IGrainStorage>(TwoPcStorage.DefaultProviderName, (sp, _) =>
        {
            var provider = sp.GetRequiredService<IOptionsMonitor<AdoNetGrainStorageOptions>>().Get(ProviderName);
            return new BatchedWriteGrainStorage(sp.GetRequiredKeyedService<IGrainStorage>(ProviderName),
                sp.GetRequiredKeyedService<WriteBatcher.Lease>(ProviderName).Batcher, ProviderName,
                sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId, provider.GrainStorageSerializer, provider.HashPicker,
                settings.OffScheduler);
        });
        services.AddSingleton(settings.Janitor);
    }
}
