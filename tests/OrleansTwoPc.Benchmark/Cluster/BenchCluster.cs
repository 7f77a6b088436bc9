using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansTwoPc.Benchmark.Probes;
using OrleansTwoPc.Coordinator;
using OrleansTwoPc.Faults;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Scheduling;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Storage.PostgreSql;
using OrleansTwoPc.Storage.Sqlite;

namespace OrleansTwoPc.Benchmark.Cluster;

/// <summary>
/// In-process silos (two unless a sweep asks for another count) hosting both systems on one storage backend: OrleansTwoPc (AddTwoPc) and Orleans
/// Transactions (UseTransactions over a second named storage of the same backend), plus the benchmark's own grains
/// (storage ceiling, no-op, auditors), which the testing host discovers in this assembly.
/// </summary>
public sealed class BenchCluster : IAsyncDisposable
{
    /// <summary>
    /// Below Orleans' 30 s default so a stuck call fails within a run, above Orleans Transactions' lock timeouts
    /// (8-10 s) so those surface as its own aborts rather than as client timeouts.
    /// </summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Every transaction activates its own coordinator grain, and Orleans keeps idle activations for 2 hours by default;
    /// a long run would hold millions. Completed coordinators are collected after this instead.
    /// </summary>
    public static readonly TimeSpan CoordinatorCollectionAge = TimeSpan.FromMinutes(2);

    private BenchCluster(InProcessTestCluster inner, IConfiguration settings)
    {
        Inner = inner;
        Settings = settings;
    }

    public InProcessTestCluster Inner { get; }

    /// <summary>The service's configuration the silos were built with (the <c>TwoPc</c> section).</summary>
    public IConfiguration Settings { get; }

    /// <summary>Each silo's services, in the order the silos started.</summary>
    public IEnumerable<IServiceProvider> SiloServices => Inner.Silos.Select(s => s.SiloHost.Services);

    public IClusterClient Client => Inner.Client;

    public static async Task<BenchCluster> StartAsync(StorageTarget target, PhaseProbe probe, StorageCounters orleansTxWrites,
        BenchLog log, string serviceId, int silos = 2, CallCounter? calls = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(target.TwoPcSettings()).Build();
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.Options.ServiceId = serviceId;
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            // Before AddTwoPc, which adds its no-op hooks only when none are registered.
            silo.Services.AddSingleton<IFaultInjector>(probe);
            silo.Services.AddSingleton<IStorageFaultPolicy>(probe);
            silo.AddTwoPcAsHosted(configuration);
            silo.UseTransactions();
            target.AddOrleansTxStorage(silo, orleansTxWrites);
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
            silo.Configure<GrainCollectionOptions>(o =>
            {
                o.ClassSpecificCollectionAge[typeof(TransactionCoordinatorGrain).FullName!] = CoordinatorCollectionAge;
                o.ClassSpecificCollectionAge[typeof(Baseline.FloorCoordinatorGrain).FullName!] = CoordinatorCollectionAge;
            });
            silo.Services.AddSingleton(sp => new GrainReferences<Baseline.IFloorAccountGrain>(sp.GetRequiredService<IGrainFactory>()));
            silo.Services.AddLogging(l => Quiet(l, log));
            calls?.AddTo(silo);
        });
        builder.ConfigureClient(client =>
        {
            client.UseTransactions();
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
            client.Services.AddLogging(l => Quiet(l, log));
        });

        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return new BenchCluster(cluster, configuration);
    }

    /// <summary>A named grain storage as the silos use it, for bulk-loading accounts before the run.</summary>
    public IGrainStorage Storage(string name) => Inner.Silos[0].SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(name);

    public IGrainStorage OrleansTxStorage => Storage(Baseline.BenchStorageNames.OrleansTx);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Inner.StopAllSilosAsync();
        }
        catch (Exception)
        {
            // Shutdown noise after a benchmark changes no result.
        }

        await Inner.DisposeAsync();
    }

    private static void Quiet(ILoggingBuilder logging, BenchLog log)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddProvider(log);
    }
}
