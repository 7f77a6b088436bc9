using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.TestingHost;
using OrleansTwoPc.Faults;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Scheduling;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Storage.PostgreSql;
using OrleansTwoPc.Storage.Sqlite;

namespace OrleansTwoPc.Chaos;

/// <summary>
/// An in-process cluster of the real service (AddTwoPc) on SQLite in a fresh temporary folder, tuned so that a killed
/// silo is noticed in about two seconds and an unfinished transaction is recovered in a few more. Silos started
/// later (replacements) get the same configuration, including the shared storage fault policy and logger.
/// </summary>
public sealed class ChaosCluster : IAsyncDisposable
{
    /// <summary>Grain calls fail after this; short, so retries (and duplicates) happen within the run.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(4);

    /// <summary>The coordinator's prepare timeout and the participant's decision timeout, both.</summary>
    public static readonly TimeSpan ProtocolTimeout = TimeSpan.FromSeconds(2);

    private readonly string _folder;

    private ChaosCluster(InProcessTestCluster inner, string folder, int silos)
    {
        Inner = inner;
        _folder = folder;
        TargetSilos = silos;
    }

    public InProcessTestCluster Inner { get; }

    public IClusterClient Client => Inner.Client;

    /// <summary>How many silos the cluster should have when healthy.</summary>
    public int TargetSilos { get; }

    /// <param name="delays">Protocol messages to hold (armed by the fault loop); every silo also gets a <see cref="SiloPause"/>.</param>
    public static async Task<ChaosCluster> StartAsync(int silos, ChaosStorageFaults faults, ILoggerProvider log, string serviceId,
        bool keepTrail = true, MessageDelays? delays = null)
    {
        var folder = Directory.CreateTempSubdirectory("orleanstwopc-chaos-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TwoPc:Storage:Provider"] = "Sqlite",
            ["TwoPc:Storage:DataDirectory"] = folder,
            // With the trail the checker audits every id at every participant; without it, values against statuses.
            ["TwoPc:KeepParticipantTrail"] = keepTrail ? "true" : "false",
            ["TwoPc:ParticipantCallTimeout"] = ProtocolTimeout.ToString(),
            ["TwoPc:DecisionTimeout"] = ProtocolTimeout.ToString(),
            ["TwoPc:RecoveryInterval"] = "00:00:02",
            // Phase-2 resends back off to at most this, so a participant back from a kill hears its decision soon.
            ["TwoPc:MaxRetryBackoff"] = "00:00:02",
        }).Build();

        var pauses = new SiloPauses();
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.Options.ServiceId = serviceId;
        // The testing host would otherwise write a trace file per silo into the working directory.
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            // Before AddTwoPc, which only adds its no-fault policy if none is registered.
            silo.Services.AddSingleton<IStorageFaultPolicy>(faults);
            silo.AddTwoPcAsHosted(configuration);
            SlowStorage.Wrap(silo.Services, faults);
            silo.Services.AddSingleton(pauses);
            silo.Services.AddSingleton(sp => pauses.For(sp));
            silo.Services.AddSingleton(delays ?? new MessageDelays(0, 0, ProtocolTimeout));
            silo.AddIncomingGrainCallFilter<PauseIncomingFilter>();
            silo.AddOutgoingGrainCallFilter<ChaosOutgoingFilter>();
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
                // A paused silo (SiloPause) must be declared dead as a stopped process would be; two Orleans checks
                // prevented that in process. Indirect probes: every silo shares one thread pool, and under chaos load
                // an intermediary cannot answer within its allowance, so the prober discards the inconclusive result.
                // Connection liveness: a paused silo's gateway still forwards client requests (forwarding passes no
                // grain call filter), which the check takes for proof of life and so suppresses every vote.
                o.EnableIndirectProbes = false;
                o.EnableConnectionLivenessCheck = false;
            });
            silo.Services.AddLogging(l => QuietLogging(l, log));
        });
        // A paused silo must not see the membership table either (it would learn it was declared dead while paused).
        builder.ConfigureSiloHost((_, host) => host.ConfigureContainer(new PausableMembershipTable.WrappingFactory()));
        builder.ConfigureClient(client =>
        {
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
            client.Services.AddLogging(l => QuietLogging(l, log));
        });

        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            DeleteFolder(folder);
            throw;
        }

        return new ChaosCluster(cluster, folder, silos);
    }

    /// <summary>Live silos in start order (kills pick among these by index, which keeps the schedule seeded).</summary>
    public IReadOnlyList<InProcessSiloHandle> LiveSilos => Inner.Silos.Where(s => s.IsActive).ToList();

    /// <summary>Starts silos until the cluster has its target size again, then waits for membership to settle.</summary>
    public async Task HealAsync()
    {
        while (LiveSilos.Count < TargetSilos)
        {
            await Inner.StartAdditionalSiloAsync();
        }

        await Inner.WaitForLivenessToStabilizeAsync(didKill: true);
    }

    /// <summary>Deactivates each grain (its next call reads it from storage).</summary>
    public async Task DeactivateAsync(IReadOnlyList<GrainId> grains) =>
        await Parallel.ForEachAsync(grains, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (grain, _) => await Inner.DeactivateAsync(grain));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Inner.StopAllSilosAsync();
        }
        catch (Exception)
        {
            // A silo that fails to stop cleanly after a chaos run changes nothing about the verdict.
        }

        await Inner.DisposeAsync();
        DeleteFolder(_folder);
    }

    private static void QuietLogging(ILoggingBuilder logging, ILoggerProvider log)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddProvider(log);
    }

    private static void DeleteFolder(string folder)
    {
        // SQLite connection pools can hold the file for a moment after the silos stopped.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(folder, recursive: true);
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(200);
            }
            catch (UnauthorizedAccessException)
            {
                Thread.Sleep(200);
            }
        }
    }
}
