using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Faults;

namespace OrleansTwoPc.Storage;

/// <summary>
/// Registers <see cref="TwoPcStorage.Name"/>, the storage the grains persist to: fault injection (inactive unless a
/// test switches it on) over exact keys over the provider named by <see cref="TwoPcOptions.GrainStorageName"/>,
/// which the application or a bundled back end registers.
/// </summary>
internal static class TwoPcGrainStorage
{
    public static void Register(IServiceCollection services) =>
        services.AddKeyedSingleton<IGrainStorage>(TwoPcStorage.Name, (sp, _) =>
        {
            var name = sp.GetRequiredService<IOptions<TwoPcOptions>>().Value.GrainStorageName;
            var provider = sp.GetKeyedService<IGrainStorage>(name) ?? throw new InvalidOperationException(
                $"No grain storage named '{name}' is registered (TwoPc:GrainStorageName). Add a bundled back end " +
                "(AddTwoPcSqliteStorage, AddTwoPcPostgresStorage, AddTwoPcMemoryStorage) or register your own provider under that name.");
            return new FaultInjectingGrainStorage(new ExactKeyGrainStorage(provider), sp.GetRequiredService<IStorageFaultPolicy>());
        });
}
