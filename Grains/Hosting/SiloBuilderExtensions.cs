using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansTwoPc.Faults;
using OrleansTwoPc.Participants;
using OrleansTwoPc.Recovery;
using OrleansTwoPc.Protocol;

namespace OrleansTwoPc.Hosting;

public static class SiloBuilderExtensions
{
    /// <summary>
    /// Adds the exactly-once transaction service to a silo: options from <paramref name="configuration"/>
    /// (sections <c>TwoPc</c> and <c>TwoPc:Storage</c>), grain storage, and the shipped participant kinds.
    /// With <c>TwoPc:Storage:Provider = Postgres</c> it also installs the PostgreSQL schema (grain state and
    /// membership tables) at the first silo lifecycle stage; the host chooses ADO.NET clustering itself.
    /// </summary>
    public static ISiloBuilder AddTwoPc(this ISiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;
        services.AddOptions<TwoPcOptions>()
            .Bind(configuration.GetSection(TwoPcOptions.Section))
            .Validate(Validated<TwoPcOptions>(o => o.Validate()))
            .ValidateOnStart();
        var storage = TwoPcStorageOptions.Load(configuration);
        services.AddSingleton(storage);
        TwoPcStorage.Add(silo, storage);

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<Diagnostics.TwoPcInstruments>();
        services.TryAddSingleton<IFaultInjector>(NoFaults.Instance);
        services.TryAddSingleton<IStorageFaultPolicy, NoStorageFaults>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, RecoverySweeper>();
        services.AddSingleton<Retention.RetentionSweeper>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<Retention.RetentionSweeper>());
        services.TryAddSingleton<ParticipantKindRegistry>();
        services.TryAddSingleton(Coordinator.TransactionCoordinatorGrain.CreateServices);
        silo.AddParticipantKind<LedgerRules>();
        silo.AddParticipantKind<InventoryRules>();
        return silo;
    }

    /// <summary>Registers a participant kind's rules so the coordinator accepts requests for it.</summary>
    public static ISiloBuilder AddParticipantKind<TRules>(this ISiloBuilder silo) where TRules : class, IParticipantKind, new()
    {
        silo.Services.AddSingleton<IParticipantKind>(new TRules());
        return silo;
    }

    private static Func<T, bool> Validated<T>(Action<T> validate) => options =>
    {
        validate(options);
        return true;
    };
}
