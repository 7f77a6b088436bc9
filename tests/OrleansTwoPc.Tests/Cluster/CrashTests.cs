using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using OrleansTwoPc.Faults;

namespace OrleansTwoPc.Tests.Cluster;

public enum Victim
{
    Coordinator,
    Participant,
}

/// <summary>
/// A silo dies at every protocol step: the one hosting the coordinator, and separately one hosting a participant.
/// Whatever the step, the transaction ends committed everywhere or aborted everywhere, the retrying caller gets
/// that outcome, and no prepared record remains. Runs on SQLite, so a killed silo's stopped grains are real zombies
/// that could still write: storage ETags must fence them.
/// </summary>
public sealed class CrashTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["TwoPc:ParticipantCallTimeout"] = "00:00:02",
        ["TwoPc:RecoveryInterval"] = "00:00:02",
        ["TwoPc:DecisionTimeout"] = "00:00:02",
        // The assertions count applications in the participants' trails.
        ["TwoPc:KeepParticipantTrail"] = "true",
    };

    // By name: fault injection is internal to the service, so public test methods cannot take its enum.
    public static TheoryData<string, Victim> Cases()
    {
        var cases = new TheoryData<string, Victim>();
        foreach (var point in Enum.GetNames<FaultPoint>())
        {
            cases.Add(point, Victim.Coordinator);
            cases.Add(point, Victim.Participant);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Crash_at_a_protocol_step_ends_all_or_nothing(string pointName, Victim victim)
    {
        var point = Enum.Parse<FaultPoint>(pointName);
        using var folder = new TempFolder();
        var plan = new FaultPlan { Point = point };
        await using var cluster = await TwoPcCluster.StartAsync(3, folder.Path, Settings, configureSilo: silo =>
            silo.Services.AddSingleton<IFaultInjector>(sp => new PlannedFaults(plan, sp.GetRequiredService<ILocalSiloDetails>())));
        var placed = await Placement.FindAsync(cluster);
        await FundAsync(cluster, placed);
        plan.OperationId = placed.OperationId;

        var run = cluster.Transactions.ExecuteAsync(placed.OperationId, TransactionRequest.Transfer(placed.From, placed.To, 30).Dated());
        var stoppedAt = await plan.Hit.WaitAsync(TimeSpan.FromSeconds(30));
        var target = victim == Victim.Coordinator ? placed.CoordinatorHost : placed.FromHost;
        if (target.Equals(stoppedAt) is false && IsParticipantPoint(point) && victim == Victim.Participant)
        {
            target = stoppedAt; // the stopped participant is the one to kill
        }

        await cluster.KillAsync(target);
        plan.Release(); // lets the stopped grain go on if it survived the kill
        await cluster.Inner.StartAdditionalSiloAsync();

        var outcome = await run;
        await cluster.WaitCompletedAsync(placed.OperationId, TimeSpan.FromSeconds(60));
        var final = await cluster.Transactions.GetStatusAsync(placed.OperationId);
        Assert.Equal(final.Status, outcome.Status);
        Assert.Equal(final.Reason, outcome.Reason);
        var expected = Expected(point, victim);
        if (expected is { } status)
        {
            Assert.True(status == final.Status, $"crash of the {victim} at {point} should end {status}, ended {final}");
        }

        var committed = final.Status == TransactionStatus.Committed;
        Assert.Equal(committed ? 70 : 100, await cluster.Ledger(placed.From).GetBalance());
        Assert.Equal(committed ? 30 : 0, await cluster.Ledger(placed.To).GetBalance());
        foreach (var account in new[] { placed.From, placed.To })
        {
            var snapshot = await cluster.Inspection(ParticipantKinds.Ledger, account).Inspect(includeTrail: true);
            Assert.Empty(snapshot.Prepared);
            var applied = snapshot.Ended.Count(e => e.OperationId == placed.OperationId && e.Committed);
            Assert.True(applied == (committed ? 1 : 0), $"{account} applied {placed.OperationId} {applied} times; outcome {final}");
        }
    }

    // The funding must have committed, or the balances below mean nothing. On a loaded machine its one-phase commit
    // can miss the 2 s ParticipantCallTimeout and abort (a correct outcome); then fund again under a new id.
    private static async Task FundAsync(TwoPcCluster cluster, Placement placed)
    {
        for (var attempt = 1; ; attempt++)
        {
            var funding = await cluster.Transactions.ExecuteAsync($"fund{attempt}-{placed.OperationId}", TransactionRequest.Deposit(placed.From, 100).Dated());
            if (funding.Status == TransactionStatus.Committed)
            {
                return;
            }

            Assert.True(attempt < 3 && funding.Reason?.Code is AbortCodes.PrepareTimeout or AbortCodes.ParticipantFailed,
                $"funding {placed.From} did not commit: {funding}");
        }
    }

    private static bool IsParticipantPoint(FaultPoint point) => point is FaultPoint.PrepareWritten or FaultPoint.ParticipantApplied;

    // What the protocol promises: before a durable decision, a coordinator crash means presumed abort; after it, commit.
    private static TransactionStatus? Expected(FaultPoint point, Victim victim) => (point, victim) switch
    {
        (FaultPoint.CoordinatorRecordWritten or FaultPoint.PrepareWritten, Victim.Coordinator) => TransactionStatus.Aborted,
        (FaultPoint.PrepareWritten, Victim.Participant) => TransactionStatus.Aborted,
        (FaultPoint.DecisionWritten or FaultPoint.CommitFanOut or FaultPoint.ParticipantApplied or FaultPoint.CompletionRecorded, _) => TransactionStatus.Committed,
        _ => null, // a participant lost before it voted may be back in time to vote yes
    };
}

/// <summary>Ids whose coordinator sits on a silo of its own, away from both accounts, so a kill hits one role only.</summary>
internal sealed record Placement(string OperationId, string From, string To, SiloAddress CoordinatorHost, SiloAddress FromHost)
{
    public static async Task<Placement> FindAsync(TwoPcCluster cluster)
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            var suffix = Guid.NewGuid().ToString("N")[..8];
            var (op, from, to) = ($"op-{suffix}", $"from-{suffix}", $"to-{suffix}");
            await cluster.Coordinator(op).GetStatus();
            await cluster.Ledger(from).GetBalance();
            await cluster.Ledger(to).GetBalance();
            var coordinator = await cluster.HostOfAsync(GrainId.Create(Coordinator.TransactionCoordinatorGrain.GrainTypeName, op));
            var fromHost = await cluster.HostOfAsync(GrainId.Create(ParticipantKinds.Ledger, from));
            var toHost = await cluster.HostOfAsync(GrainId.Create(ParticipantKinds.Ledger, to));
            if (coordinator is not null && fromHost is not null && !coordinator.Equals(fromHost) && !coordinator.Equals(toHost))
            {
                return new Placement(op, from, to, coordinator, fromHost);
            }
        }

        throw new InvalidOperationException("could not place a coordinator apart from its participants in 60 tries");
    }
}
