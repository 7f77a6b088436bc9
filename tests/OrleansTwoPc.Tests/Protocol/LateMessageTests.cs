using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Scheduling;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Storage.PostgreSql;
using OrleansTwoPc.Storage.Sqlite;
using OrleansTwoPc.Participants;
using OrleansTwoPc.Protocol;
using Xunit;

namespace OrleansTwoPc.Tests.Protocol;

/// <summary>
/// Messages that arrive after everything they belong to has ended: a one-phase commit held up past the prepare
/// timeout, a message from an attempt that recovery replaced, a participant that forgot. Issue 12, hole 1: no message
/// of an attempt may take effect once the transaction is decided otherwise or a later attempt exists.
/// </summary>
public class LateMessageTests
{
    private static readonly DateTimeOffset Created = Wait.Start;

    private const string Op = "late-1";

    private readonly FakeTimeProvider _time = Wait.NewClock();
    private readonly TwoPcOptions _options = new() { ParticipantCallTimeout = TimeSpan.FromSeconds(1) };
    private readonly FakeWrite _store = new();
    private readonly Dictionary<ParticipantId, FakeParticipant> _participants = [];

    private FakeParticipant Account(string key, long balance)
    {
        // Participants forget, as the service does by default.
        var participant = new FakeParticipant(new ParticipantId(ParticipantKinds.Ledger, key), balance, _time, keepTrail: false);
        _participants.Add(participant.Id, participant);
        return participant;
    }

    private CoordinatorProtocol Coordinator(CoordinatorRecord? record = null) => new(Op, record ?? new CoordinatorRecord(), _store.WriteAsync,
        new CoordinatorServices(id => _participants[id], _options, Kinds.Ledger, _time, NullLogger.Instance), CancellationToken.None);

    private TransactionRequest Deposit(long amount) => TransactionRequest.Deposit("alice", amount) with { CreatedAt = _time.GetUtcNow() };

    private static ParticipantOperation Credit(long amount) => new(ParticipantKinds.Ledger, "alice", LedgerActions.Credit, amount);

    [Fact]
    public async Task A_one_phase_commit_held_past_the_timeout_is_refused_after_the_abort_completed_and_was_forgotten()
    {
        var alice = Account("alice", 100);
        var late = new TaskCompletionSource();
        alice.CommitOnePhaseGate = late.Task;
        var coordinator = Coordinator();

        var execute = coordinator.ExecuteAsync(Deposit(25));
        _time.Advance(_options.ParticipantCallTimeout);
        var outcome = await execute.Within();
        await coordinator.Driver!.Within();
        Assert.Equal(TransactionStatus.Aborted, outcome.Status);
        Assert.Equal(1, alice.CallsOf("forget"));

        late.SetResult(); // the held message is delivered now
        await WaitForCall(alice, "one-phase");

        Assert.Equal(100, await alice.Protocol.ReadAsync(a => a.Balance).Within());
    }

    [Fact]
    public async Task A_one_phase_commit_of_an_older_attempt_is_refused_after_recovery_aborted_and_forgot()
    {
        var p = Account("alice", 100).Protocol;

        // Attempt 2 (recovery) asked with Abort: nothing there, so it aborted; the coordinator completed and forgot.
        Assert.Equal(TransactionStatus.Aborted, await p.AbortAsync(Op, 2).Within());
        p.Forget(Op);
        // Attempt 1's one-phase commit, sent before the crash, arrives now.
        var vote = await p.CommitOnePhaseAsync(Op, 1, Created, Credit(25)).Within();

        Assert.False(vote.IsYes, "a message of an older attempt must not apply once a later attempt aborted");
        Assert.Equal(100, await p.ReadAsync(a => a.Balance).Within());
    }

    [Fact]
    public async Task A_prepare_held_past_the_timeout_is_refused_after_the_abort_completed_and_was_forgotten()
    {
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        var late = new TaskCompletionSource();
        alice.PrepareGate = late.Task;
        var coordinator = Coordinator();

        var execute = coordinator.ExecuteAsync(TransactionRequest.Transfer("alice", "bob", 30) with { CreatedAt = _time.GetUtcNow() });
        _time.Advance(_options.ParticipantCallTimeout);
        Assert.Equal(TransactionStatus.Aborted, (await execute.Within()).Status);
        await coordinator.Driver!.Within();

        late.SetResult();
        await WaitForCall(alice, "prepare");

        Assert.Empty(alice.Protocol.State.Prepared);
        Assert.Equal(0, alice.Account.Held);
        Assert.Equal(0, await bob.Protocol.ReadAsync(a => a.Balance).Within());
    }

    private static async Task WaitForCall(FakeParticipant participant, string verb)
    {
        // The gate's continuation runs inline; the protocol's write completes synchronously with FakeWrite, so the
        // late message has been handled once its call is recorded and its write settled.
        Assert.Equal(1, participant.CallsOf(verb));
        await participant.Protocol.ReadAsync(a => a.Balance).Within();
    }
}

/// <summary>Kind tables for protocol tests.</summary>
internal static class Kinds
{
    public static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> Ledger =
        new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal)
        {
            [ParticipantKinds.Ledger] = new HashSet<string>([LedgerActions.Credit, LedgerActions.Debit], StringComparer.Ordinal),
        };
}
