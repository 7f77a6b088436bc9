using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using OrleansTwoPc.Faults;

namespace OrleansTwoPc.Tests.Cluster;

/// <summary>
/// Recovery with no client traffic at all: nobody retries, nobody asks for a status. Prepared records are resolved by
/// the participants asking their coordinator, and after a restart of the whole cluster by the recovery registry's sweep.
/// </summary>
public sealed class RecoveryTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task A_participant_whose_coordinator_died_after_deciding_asks_it_and_commits()
    {
        using var folder = new TempFolder();
        var plan = new FaultPlan { Point = FaultPoint.DecisionWritten };
        await using var cluster = await TwoPcCluster.StartAsync(3, folder.Path, new Dictionary<string, string?>
        {
            ["TwoPc:RecoveryInterval"] = "01:00:00", // keep the registry sweep out of it: the participants must do it
            ["TwoPc:DecisionTimeout"] = "00:00:01",
        }, configureSilo: silo => silo.Services.AddSingleton<IFaultInjector>(sp => new PlannedFaults(plan, sp.GetRequiredService<ILocalSiloDetails>())));
        var placed = await Placement.FindAsync(cluster);
        await cluster.Transactions.ExecuteAsync($"fund-{placed.OperationId}", TransactionRequest.Deposit(placed.From, 100).Dated());
        plan.OperationId = placed.OperationId;

        // One attempt, no retry: the caller gives up when the coordinator's silo dies.
        var call = cluster.Coordinator(placed.OperationId).Execute(TransactionRequest.Transfer(placed.From, placed.To, 30).Dated());
        var stoppedAt = await plan.Hit.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(placed.CoordinatorHost, stoppedAt);
        await cluster.KillAsync(stoppedAt);
        await Assert.ThrowsAnyAsync<Exception>(() => call);

        await WaitUntilNothingPreparedAsync(cluster, placed.From, placed.To);
        Assert.Equal(70, await cluster.Ledger(placed.From).GetBalance());
        Assert.Equal(30, await cluster.Ledger(placed.To).GetBalance());
    }

    [Theory]
    [InlineData(nameof(FaultPoint.DecisionWritten), TransactionStatus.Committed)]
    [InlineData(nameof(FaultPoint.PrepareWritten), TransactionStatus.Aborted)]
    public async Task After_a_whole_cluster_restart_the_sweep_resolves_every_prepared_record(string pointName, TransactionStatus expected)
    {
        var point = Enum.Parse<FaultPoint>(pointName);
        using var folder = new TempFolder();
        var plan = new FaultPlan { Point = point, OperationId = "stranded" };
        var first = await TwoPcCluster.StartAsync(2, folder.Path, configureSilo: silo =>
            silo.Services.AddSingleton<IFaultInjector>(sp => new PlannedFaults(plan, sp.GetRequiredService<ILocalSiloDetails>())));
        await first.Transactions.ExecuteAsync("fund", TransactionRequest.Deposit("alice", 100).Dated());
        _ = first.Coordinator("stranded").Execute(TransactionRequest.Transfer("alice", "bob", 30).Dated());
        await plan.Hit.WaitAsync(TimeSpan.FromSeconds(30));
        foreach (var silo in first.Inner.Silos.ToList())
        {
            await first.Inner.KillSiloAsync(silo);
        }

        await first.Inner.DisposeAsync();

        await using var second = await TwoPcCluster.StartAsync(2, folder.Path, new Dictionary<string, string?>
        {
            ["TwoPc:RecoveryInterval"] = "00:00:01",
            ["TwoPc:DecisionTimeout"] = "01:00:00", // participants stay passive: the sweep must do it
        });
        // Watch only the registry: listing a shard wakes no coordinator and no participant.
        using (var timeout = new CancellationTokenSource(Bound))
        {
            while ((await PendingAsync(second)).Contains("stranded"))
            {
                await Task.Delay(100, timeout.Token);
            }
        }

        var status = await second.Transactions.GetStatusAsync("stranded");
        Assert.Equal(expected, status.Status);
        Assert.True(status.IsCompleted);
        await WaitUntilNothingPreparedAsync(second, "alice", "bob");
        var committed = expected == TransactionStatus.Committed;
        Assert.Equal(committed ? 70 : 100, await second.Ledger("alice").GetBalance());
        Assert.Equal(committed ? 30 : 0, await second.Ledger("bob").GetBalance());
    }

    // A registry entry whose coordinator has no record: its Begin write never landed, or (the hazard) the sweep's call
    // reached a stale activation that loaded before the live one wrote. The sweep used to drop the entry on the
    // "unknown" of GetStatus, which stores nothing and proves nothing; a stale activation's "unknown" then cost the live
    // record its recovery and its exemption from retention. Now the entry goes only after a presumed abort is durable,
    // written against the version the activation loaded (a stale one's write fails, and the entry stays).
    [Fact]
    public async Task A_registry_entry_whose_coordinator_has_no_record_goes_only_after_a_durable_presumed_abort()
    {
        await using var cluster = await TwoPcCluster.StartAsync(1, settings: new Dictionary<string, string?>
        {
            ["TwoPc:RecoveryInterval"] = "00:00:01",
        });
        await cluster.Client.GetGrain<IRecoveryShardGrain>(0).Register("never-begun", DateTimeOffset.UtcNow.AddMinutes(-1));
        using (var timeout = new CancellationTokenSource(Bound))
        {
            while ((await PendingAsync(cluster)).Contains("never-begun"))
            {
                await Task.Delay(100, timeout.Token);
            }
        }

        var status = await cluster.Transactions.GetStatusAsync("never-begun");
        Assert.Equal(TransactionStatus.Aborted, status.Status);
        Assert.Equal(AbortCodes.NoRecord, status.Reason?.Code);
        Assert.True(status.IsCompleted);
    }

    private static async Task<HashSet<string>> PendingAsync(TwoPcCluster cluster)
    {
        var lists = await Task.WhenAll(Enumerable.Range(0, 8).Select(shard => cluster.Client.GetGrain<IRecoveryShardGrain>(shard).List()));
        return lists.SelectMany(l => l).Select(p => p.OperationId).ToHashSet();
    }

    private static async Task WaitUntilNothingPreparedAsync(TwoPcCluster cluster, params string[] accounts)
    {
        using var timeout = new CancellationTokenSource(Bound);
        foreach (var account in accounts)
        {
            while ((await cluster.Inspection(ParticipantKinds.Ledger, account).Inspect(false)).Prepared.Count > 0)
            {
                await Task.Delay(100, timeout.Token);
            }
        }
    }
}
