using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.TestingHost;
using OrleansTwoPc.Client;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Scheduling;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Storage.PostgreSql;
using OrleansTwoPc.Storage.Sqlite;

namespace OrleansTwoPc.Tests.Cluster;

/// <summary>
/// An in-process cluster running the real service (AddTwoPc) on the chosen storage. Response and membership timeouts
/// are lowered so a killed silo is noticed in seconds, not the defaults' half minute.
/// </summary>
public sealed class TwoPcCluster : IAsyncDisposable
{
    private TwoPcCluster(InProcessTestCluster cluster) => Inner = cluster;

    public InProcessTestCluster Inner { get; }

    public IClusterClient Client => Inner.Client;

    public TransactionClient Transactions => new(Inner.Client, new TransactionClientOptions { Deadline = TimeSpan.FromSeconds(30) });

    /// <summary>Starts <paramref name="silos"/> silos. <paramref name="sqliteFolder"/> null means memory storage.</summary>
    public static async Task<TwoPcCluster> StartAsync(int silos = 2, string? sqliteFolder = null,
        IDictionary<string, string?>? settings = null, string serviceId = "twopc-tests",
        Action<ISiloBuilder>? configureSilo = null, Action<IClientBuilder>? configureClient = null)
    {
        var config = new Dictionary<string, string?>
        {
            ["TwoPc:Storage:Provider"] = sqliteFolder is null ? "Memory" : "Sqlite",
            ["TwoPc:Storage:DataDirectory"] = sqliteFolder ?? "",
            ["TwoPc:ParticipantCallTimeout"] = "00:00:03",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(config).Build();
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.Options.ServiceId = serviceId;
        builder.ConfigureSilo((_, silo) =>
        {
            // First, so test doubles win over AddTwoPc's defaults (it registers them with TryAdd).
            configureSilo?.Invoke(silo);
            // Random placement: the default (resource-optimized) may put every new grain on the least busy silo of a
            // loaded machine, and the crash tests need grains spread over silos.
            silo.Services.AddSingleton<PlacementStrategy, RandomPlacement>();
            silo.AddTwoPcAsHosted(configuration);
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            });
            silo.Services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        });
        builder.ConfigureClient(client =>
        {
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
            configureClient?.Invoke(client);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new TwoPcCluster(cluster);
    }

    public ILedgerGrain Ledger(string account) => Client.GetGrain<ILedgerGrain>(account);

    public IInventoryGrain Inventory(string item) => Client.GetGrain<IInventoryGrain>(item);

    public ITransactionCoordinatorGrain Coordinator(string operationId) => Client.GetGrain<ITransactionCoordinatorGrain>(operationId);

    public IParticipantInspectionGrain Inspection(string kind, string key) =>
        Client.GetGrain<IParticipantInspectionGrain>(GrainId.Create(kind, key));

    /// <summary>The silo hosting an active grain, or null when it is not active anywhere.</summary>
    public async Task<SiloAddress?> HostOfAsync(GrainId grain)
    {
        var stats = await Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return stats.FirstOrDefault(s => s.GrainId == grain)?.SiloAddress;
    }

    /// <summary>Kills the silo at <paramref name="address"/> without a goodbye, as a crash would.</summary>
    public async Task KillAsync(SiloAddress address)
    {
        var silo = Inner.Silos.Single(s => s.SiloAddress.Equals(address));
        await Inner.KillSiloAsync(silo);
    }

    /// <summary>Waits until the operation's phase 2 finished everywhere (the caller is answered before that).</summary>
    public async Task WaitCompletedAsync(string operationId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var management = Client.GetGrain<ITransactionCoordinatorGrain>(operationId);
        while (!(await management.GetStatus()).IsCompleted)
        {
            await Task.Delay(20, cts.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Inner.StopAllSilosAsync();
        await Inner.DisposeAsync();
    }
}
