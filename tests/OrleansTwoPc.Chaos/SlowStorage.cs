using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Scheduling;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Storage.PostgreSql;
using OrleansTwoPc.Storage.Sqlite;

namespace OrleansTwoPc.Chaos;

/// <summary>
/// Wraps the service's grain storage (the fault-injecting decorator and the database behind it) and makes a seeded
/// fraction of writes hang for a few to a hundred milliseconds first. A storage fault drawn for a slowed write then
/// fails late, like a database timeout; and the hang widens every window in which a grain's memory is ahead of its
/// storage, which is where "reports a decision that is not durable" bugs live. While its silo is paused
/// (<see cref="SiloPause"/>) every storage operation waits, as it would in a stopped process.
/// </summary>
public sealed class SlowStorage(IGrainStorage inner, ChaosStorageFaults faults, SiloPause pause) : IGrainStorage
{
    /// <summary>Re-registers the storage named <see cref="TwoPcStorage.Name"/> (added by AddTwoPc) wrapped in a <see cref="SlowStorage"/>.</summary>
    public static void Wrap(IServiceCollection services, ChaosStorageFaults faults)
    {
        var original = services.LastOrDefault(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService
            && Equals(d.ServiceKey, TwoPcStorage.Name) && d.KeyedImplementationFactory is not null)
            ?? throw new InvalidOperationException($"AddTwoPc registered no keyed grain storage '{TwoPcStorage.Name}' to wrap");
        services.Remove(original);
        services.AddKeyedSingleton<IGrainStorage>(TwoPcStorage.Name,
            (sp, key) => new SlowStorage((IGrainStorage)original.KeyedImplementationFactory!(sp, key), faults, sp.GetRequiredService<SiloPause>()));
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await pause.WaitAsync();
        await inner.ReadStateAsync(stateName, grainId, grainState);
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var latency = faults.NextLatency();
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency);
        }

        await pause.WaitAsync();
        await inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await pause.WaitAsync();
        await inner.ClearStateAsync(stateName, grainId, grainState);
    }
}
