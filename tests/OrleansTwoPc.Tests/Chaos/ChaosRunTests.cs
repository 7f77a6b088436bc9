using OrleansTwoPc.Chaos;
using Xunit.Abstractions;

namespace OrleansTwoPc.Tests.Chaos;

/// <summary>Runs alone: a chaos run needs the machine's cores to itself, or missed probes kill extra silos.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChaosCollection
{
    public const string Name = "chaos";
}

/// <summary>
/// The seeded chaos run (silo kills and storage faults under concurrent load) must find no violation; and the checker
/// itself must see each kind of violation when one is planted, or a clean run would prove nothing.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class ChaosRunTests(ITestOutputHelper output)
{
    /// <summary>Seconds of faults. About 8 s between kills gives 3-4 kills; the whole test takes about a minute.</summary>
    private static readonly TimeSpan FaultDuration = TimeSpan.FromSeconds(35);

    [Fact]
    public async Task Seed_1_under_kills_and_storage_faults_has_no_violation()
    {
        using var log = new StringWriter();
        var result = await ChaosRunner.RunAsync(new ChaosOptions { Seed = 1, Duration = FaultDuration }, log);
        output.WriteLine(log.ToString());

        Assert.True(result.Kills >= 2, $"only {result.Kills} kills: the run did not exercise crashes. {result.ResultLine}");
        Assert.True(result.Committed > 0 && result.Aborted > 0, $"the workload must both commit and abort. {result.ResultLine}");
        Assert.True(result.Verdict.Lost == 0, result.ResultLine);
        Assert.True(result.Verdict.Duplicated == 0, result.ResultLine);
        Assert.True(result.Verdict.Mismatched == 0, result.ResultLine);
        Assert.True(result.Verdict.Torn == 0, result.ResultLine);
        Assert.True(result.Verdict.Stuck == 0, result.ResultLine);
        Assert.True(result.Verdict.InvariantFailures == 0, $"the service raised invariant failures. {result.ResultLine}");
    }

    /// <summary>
    /// The same with participants that forget completed operations (the service's default): the forgetting paths
    /// (late commits acknowledged without a record, stray prepares released) run under kills and storage faults, and
    /// every participant's value must still equal what the committed statuses say.
    /// </summary>
    [Fact]
    public async Task Seed_2_with_forgetting_participants_under_kills_and_storage_faults_has_no_violation()
    {
        using var log = new StringWriter();
        var result = await ChaosRunner.RunAsync(new ChaosOptions { Seed = 2, Duration = FaultDuration, Forget = true }, log);
        output.WriteLine(log.ToString());

        Assert.True(result.Kills >= 2, $"only {result.Kills} kills: the run did not exercise crashes. {result.ResultLine}");
        Assert.True(result.Committed > 0 && result.Aborted > 0, $"the workload must both commit and abort. {result.ResultLine}");
        Assert.True(result.Verdict.Clean, result.ResultLine + "\n" + string.Join("\n", result.Verdict.Evidence));
    }

    /// <summary>
    /// <c>--delays --forget</c>: protocol messages (prepare, one-phase commit, commit, abort, forget, status queries)
    /// held for a seeded time, a third of them past the prepare and decision timeouts, so they arrive after their
    /// transaction was decided, completed and forgotten; and silos paused until declared dead, then woken as zombies
    /// whose held calls and writes race the activations that replaced theirs. Seed 1 pauses a silo 9 s in.
    /// </summary>
    [Fact]
    public async Task Seed_1_with_late_messages_zombie_silos_and_forgetting_participants_has_no_violation()
    {
        using var log = new StringWriter();
        var result = await ChaosRunner.RunAsync(new ChaosOptions
        {
            Seed = 1, Duration = TimeSpan.FromSeconds(30), Forget = true, Delays = true,
        }, log);
        output.WriteLine(log.ToString());

        Assert.True(result.Pauses >= 1 && result.Kills + result.Pauses >= 2, $"too few faults: the run did not exercise zombies and crashes. {result.ResultLine}");
        Assert.True(result.Delayed >= 50, $"only {result.Delayed} protocol messages held. {result.ResultLine}");
        Assert.True(result.Committed > 0 && result.Aborted > 0, $"the workload must both commit and abort. {result.ResultLine}");
        Assert.True(result.Verdict.Clean, result.ResultLine + "\n" + string.Join("\n", result.Verdict.Evidence));
    }

    [Fact]
    public void Checker_without_trails_sees_a_double_application_a_missing_effect_and_a_lost_commit()
    {
        var (history, transfer, a, b) = TwoClientsToldCommitted();
        var final = new FinalState(
            new Dictionary<string, TransactionOutcome> { ["t1"] = CommittedT1, ["t2"] = AbortedT2(completed: true) },
            new Dictionary<ParticipantId, ParticipantSnapshot>
            {
                // Both forgot t1: "a" applied its debit twice, "b" never got its credit.
                [a] = Snapshot(a, "balance=-20 held=0 incoming=0", [], []),
                [b] = Snapshot(b, "balance=0 held=0 incoming=0", [], []),
            },
            new Dictionary<ParticipantId, long> { [a] = -20, [b] = 0 },
            Settled: true,
            WaitedFor: TimeSpan.Zero);

        var verdict = new Checker(history, final, trails: false).Check();

        Assert.Equal(1, verdict.Lost);          // t2: told committed, aborted
        Assert.Equal(1, verdict.Mismatched);    // t2
        Assert.Equal(3, verdict.Duplicated);    // a (applied twice), b (credit missing), and total money
        Assert.Equal(0, verdict.Stuck);
        Assert.False(verdict.Clean);

        // And the honest end state of t1 alone passes.
        var honest = new History();
        honest.Start("t1", "transfer", transfer).Add(Committed("t1"));
        var settled = new FinalState(
            new Dictionary<string, TransactionOutcome> { ["t1"] = CommittedT1 },
            new Dictionary<ParticipantId, ParticipantSnapshot>
            {
                [a] = Snapshot(a, "balance=-10 held=0 incoming=0", [], []),
                [b] = Snapshot(b, "balance=10 held=0 incoming=0", [], []),
            },
            new Dictionary<ParticipantId, long> { [a] = -10, [b] = 10 },
            Settled: true,
            WaitedFor: TimeSpan.Zero);
        Assert.True(new Checker(honest, settled, trails: false).Check().Clean);
    }

    [Fact]
    public void Checker_sees_lost_torn_mismatched_duplicated_and_stuck_when_planted()
    {
        // t1: the client heard committed; only "a" applied it. t2: the client heard committed; the final status says aborted.
        var (history, transfer, a, b) = TwoClientsToldCommitted();
        var at = DateTimeOffset.UnixEpoch;
        var final = new FinalState(
            new Dictionary<string, TransactionOutcome> { ["t1"] = CommittedT1, ["t2"] = AbortedT2(completed: false) },
            new Dictionary<ParticipantId, ParticipantSnapshot>
            {
                // "a" applied t1's debit twice: its balance is 20 below its trail.
                [a] = Snapshot(a, "balance=0 held=0 incoming=0", [new EndedEntry("t1", true, transfer.Operations[0], at)], []),
                [b] = Snapshot(b, "balance=0 held=10 incoming=0", [],
                    [new PreparedEntry("t2", 1, transfer.Operations[1], at)]),
            },
            new Dictionary<ParticipantId, long> { [a] = -20, [b] = 0 },
            Settled: false,
            WaitedFor: TimeSpan.Zero);

        var verdict = new Checker(history, final).Check();

        Assert.Equal(2, verdict.Lost);          // t1 (effect missing at b), t2 (told committed, aborted)
        Assert.Equal(1, verdict.Torn);          // t1 committed at a only
        Assert.Equal(1, verdict.Mismatched);    // t2
        Assert.Equal(2, verdict.Duplicated);    // a's balance vs its trail, and total money vs committed statuses
        Assert.Equal(2, verdict.Stuck);         // t2 not completed, and b still holds t2 prepared
        Assert.False(verdict.Clean);
    }

    private static readonly TransactionOutcome CommittedT1 = new()
    {
        OperationId = "t1", Status = TransactionStatus.Committed, DecidedAt = DateTimeOffset.UnixEpoch, CompletedAt = DateTimeOffset.UnixEpoch,
    };

    private static TransactionOutcome AbortedT2(bool completed) => new()
    {
        OperationId = "t2", Status = TransactionStatus.Aborted, DecidedAt = DateTimeOffset.UnixEpoch,
        CompletedAt = completed ? DateTimeOffset.UnixEpoch : null,
        Reason = new AbortReason(AbortCodes.CoordinatorRecovered, "planted"),
    };

    /// <summary>Two transfers of 10 from "a" to "b", t1 and t2, each answered "committed" to its client.</summary>
    private static (History History, TransactionRequest Transfer, ParticipantId A, ParticipantId B) TwoClientsToldCommitted()
    {
        var history = new History();
        var transfer = TransactionRequest.Transfer("a", "b", 10).Dated();
        history.Start("t1", "transfer", transfer).Add(Committed("t1"));
        history.Start("t2", "transfer", transfer).Add(Committed("t2"));
        return (history, transfer, new ParticipantId(ParticipantKinds.Ledger, "a"), new ParticipantId(ParticipantKinds.Ledger, "b"));
    }

    private static Response Committed(string id) => Response.From(Submission.First, new TransactionOutcome
    {
        OperationId = id, Status = TransactionStatus.Committed, DecidedAt = DateTimeOffset.UnixEpoch,
    });

    private static ParticipantSnapshot Snapshot(ParticipantId id, string value, List<EndedEntry> ended, List<PreparedEntry> prepared) => new()
    {
        Kind = id.Kind, Key = id.Key, Value = value, Ended = ended, Prepared = prepared, EndedCount = ended.Count,
    };
}
