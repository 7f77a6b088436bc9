using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Coordinator;
using OrleansTwoPc.Diagnostics;
using OrleansTwoPc.Faults;
using OrleansTwoPc.Participants;
using OrleansTwoPc.Protocol;
using OrleansTwoPc.Recovery;
using OrleansTwoPc.Retention;
using OrleansTwoPc.Storage;

namespace OrleansTwoPc.Hosting;

/// <summary>Adds OrleansTwoPc to a silo: <c>silo.AddTwoPc(...)</c>, then a storage back end and the participant kinds.</summary>
public static class SiloBuilderExtensions
{
    /// <summary>
    /// Adds the exactly-once transaction service: coordinators, recovery, retention, and the grain storage
    /// <see cref="TwoPcStorage.Name"/> over the provider named by <see cref="TwoPcOptions.GrainStorageName"/>. Options are
    /// validated when the silo starts. No participant kind and no database come with it: add the kinds
    /// (<see cref="AddParticipantKind{TRules}"/>, <see cref="AddLedger"/>, <see cref="AddInventory"/>) and a storage
    /// provider (a bundled back end, or your own under <see cref="TwoPcOptions.GrainStorageName"/>).
    /// </summary>
    public static ISiloBuilder AddTwoPc(this ISiloBuilder silo, Action<TwoPcOptions>? configure = null)
    {
        var options = AddCore(silo);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return silo;
    }

    /// <summary>As <see cref="AddTwoPc(ISiloBuilder, Action{TwoPcOptions})"/>, with the options bound from the <c>TwoPc</c> section of <paramref name="configuration"/>.</summary>
    public static ISiloBuilder AddTwoPc(this ISiloBuilder silo, IConfiguration configuration)
    {
        AddCore(silo).Bind(configuration.GetSection(TwoPcOptions.Section));
        return silo;
    }

    /// <summary>
    /// Registers a participant kind's rules: the coordinator accepts requests for the kind, and its grain gets
    /// <typeparamref name="TRules"/> by constructor injection (a singleton, which may itself take services).
    /// </summary>
    public static ISiloBuilder AddParticipantKind<TRules>(this ISiloBuilder silo) where TRules : class, IParticipantKind
    {
        if (silo.Services.Any(d => d.ServiceType == typeof(TRules)))
        {
            return silo;
        }

        silo.Services.AddSingleton<TRules>();
        silo.Services.AddSingleton<IParticipantKind>(sp => sp.GetRequiredService<TRules>());
        return silo;
    }

    /// <summary>The shipped <c>ledger</c> kind: accounts with credit and debit.</summary>
    public static ISiloBuilder AddLedger(this ISiloBuilder silo) => silo.AddParticipantKind<LedgerRules>();

    /// <summary>The shipped <c>inventory</c> kind: items with reserve and restock.</summary>
    public static ISiloBuilder AddInventory(this ISiloBuilder silo) => silo.AddParticipantKind<InventoryRules>();

    /// <summary>
    /// Keeps the records in memory, under <see cref="TwoPcStorage.DefaultProviderName"/>: lost when the silo stops.
    /// For tests and experiments only.
    /// </summary>
    public static ISiloBuilder AddTwoPcMemoryStorage(this ISiloBuilder silo)
    {
        silo.AddMemoryGrainStorage(TwoPcStorage.DefaultProviderName);
        // The memory provider serializes too (JSON by default, which cannot rebuild the request records): use the
        // binary serializer, so a coordinator re-activated from memory reads its record back.
        silo.Services.AddOptions<MemoryGrainStorageOptions>(TwoPcStorage.DefaultProviderName)
            .Configure<Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
        return silo;
    }

    private static OptionsBuilder<TwoPcOptions> AddCore(ISiloBuilder silo)
    {
        var services = silo.Services;
        var options = services.AddOptions<TwoPcOptions>();
        if (services.Any(d => d.ServiceType == typeof(CoreMarker)))
        {
            return options;
        }

        services.AddSingleton<CoreMarker>();
        options.Validate(Validated<TwoPcOptions>(o => o.Validate())).ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<TwoPcInstruments>();
        services.TryAddSingleton<IFaultInjector>(NoFaults.Instance);
        services.TryAddSingleton<IStorageFaultPolicy, NoStorageFaults>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, RecoverySweeper>();
        services.AddSingleton<RetentionSweeper>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<RetentionSweeper>());
        services.TryAddSingleton<ParticipantKindRegistry>();
        services.TryAddSingleton(TransactionCoordinatorGrain.CreateServices);
        TwoPcGrainStorage.Register(services);
        return options;
    }

    private static Func<T, bool> Validated<T>(Action<T> validate) => options =>
    {
        validate(options);
        return true;
    };

    // Marks a service collection AddTwoPc has already filled: a second call only adds configuration.
    private sealed class CoreMarker;
}
