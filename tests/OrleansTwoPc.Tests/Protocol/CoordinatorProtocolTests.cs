using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Scheduling;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Storage.PostgreSql;
using OrleansTwoPc.Storage.Sqlite;
using OrleansTwoPc.Protocol;
using Xunit;

namespace OrleansTwoPc.Tests.Protocol;

/// <summary>
/// <see cref="CoordinatorProtocol"/> end to end in memory: real <see cref="ParticipantProtocol{TValue}"/> ledgers behind
/// <see cref="FakeParticipant"/>, a counting fake write for the coordinator record, and a fake clock.
/// Tests whose comment starts with "Regression" pin bugs this suite found in the protocol.
/// </summary>
public class CoordinatorProtocolTests
{
    private static readonly DateTimeOffset Created = Wait.Start;

    private const string Op = "tx-1";

    private static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> Kinds =
        new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal)
        {
            [ParticipantKinds.Ledger] = new HashSet<string>([LedgerActions.Credit, LedgerActions.Debit], StringComparer.Ordinal),
        };

    private readonly FakeTimeProvider _time = Wait.NewClock();
    private readonly TwoPcOptions _options = new();
    private readonly FakeWrite _store = new();
    private readonly List<(CoordinatorPhase Phase, long Epoch)> _written = [];
    private readonly Dictionary<ParticipantId, FakeParticipant> _participants = [];
    private CoordinatorRecord _record = new();

    public CoordinatorProtocolTests() => _store.OnWrite = () =>
    {
        lock (_written)
        {
            _written.Add((_record.Phase, _record.Epoch));
        }
    };

    private CoordinatorPhase[] WrittenPhases
    {
        get
        {
            lock (_written)
            {
                return [.. _written.Select(w => w.Phase)];
            }
        }
    }

    private FakeParticipant Account(string key, long balance)
    {
        var participant = new FakeParticipant(new ParticipantId(ParticipantKinds.Ledger, key), balance, _time);
        _participants.Add(participant.Id, participant);
        return participant;
    }

    /// <summary>A protocol over a fresh record, or over <paramref name="stored"/> (a new activation that loaded it).</summary>
    private CoordinatorProtocol NewProtocol(CoordinatorRecord? stored = null)
    {
        _record = stored ?? _record;
        return new CoordinatorProtocol(Op, _record, _store.WriteAsync,
            new CoordinatorServices(id => _participants[id], _options, Kinds, _time, NullLogger.Instance), CancellationToken.None);
    }

    private CoordinatorRecord Stored(TransactionRequest request)
    {
        var record = new CoordinatorRecord();
        record.Begin(Op, request, request.Fingerprint(), _time.GetUtcNow());
        return record;
    }

    private static TransactionRequest Transfer(long amount) => TransactionRequest.Transfer("alice", "bob", amount).Dated(Created);

    private static async Task<long> BalanceOf(FakeParticipant participant) =>
        await participant.Protocol.ReadAsync(a => a.Balance).Within();

    private static void AssertCalls(FakeParticipant participant, params string[] expected) =>
        Assert.Equal(expected, participant.Calls);

    private static void AssertNothingReserved(FakeParticipant participant)
    {
        Assert.Empty(participant.Protocol.State.Prepared);
        Assert.Equal(0, participant.Account.Held);
        Assert.Equal(0, participant.Account.Incoming);
    }

    // ---- two-phase happy and sad paths ----

    [Fact]
    public async Task Transfer_commits_and_both_balances_move_once_the_driver_finishes()
    {
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        var protocol = NewProtocol();

        var outcome = await protocol.ExecuteAsync(Transfer(30)).Within();
        await protocol.Driver!.Within();

        Assert.Equal(Op, outcome.OperationId);
        Assert.Equal(TransactionStatus.Committed, outcome.Status);
        Assert.Null(outcome.Reason);
        Assert.False(outcome.Replayed);
        Assert.Equal(_time.GetUtcNow(), outcome.DecidedAt);
        Assert.Equal(70, await BalanceOf(alice));
        Assert.Equal(30, await BalanceOf(bob));
        AssertNothingReserved(alice);
        AssertNothingReserved(bob);
        AssertCalls(alice, "prepare:tx-1:1", "commit:tx-1:1", "forget:tx-1:0");
        AssertCalls(bob, "prepare:tx-1:1", "commit:tx-1:1", "forget:tx-1:0");
        Assert.Equal(new[] { CoordinatorPhase.Preparing, CoordinatorPhase.Committing, CoordinatorPhase.Completed }, WrittenPhases);
        Assert.Equal(CoordinatorPhase.Completed, protocol.Record.Phase);
        Assert.Equal(TransactionStatus.Committed, protocol.GetStatus().Status);
    }

    [Fact]
    public async Task Insufficient_funds_aborts_with_the_reason_and_moves_no_balance_and_leaves_no_prepared_record()
    {
        var alice = Account("alice", 10);
        var bob = Account("bob", 0);
        var protocol = NewProtocol();

        var outcome = await protocol.ExecuteAsync(Transfer(30)).Within();
        await protocol.Driver!.Within();

        Assert.Equal(TransactionStatus.Aborted, outcome.Status);
        Assert.Equal(AbortCodes.InsufficientFunds, outcome.Reason?.Code);
        Assert.True(outcome.Reason!.IsBusinessRule);
        Assert.Equal(10, await BalanceOf(alice));
        Assert.Equal(0, await BalanceOf(bob));
        AssertNothingReserved(alice);
        AssertNothingReserved(bob);
        Assert.Equal(1, bob.CallsOf("abort"));
        Assert.Equal(0, alice.CallsOf("abort"));
        Assert.Equal(0, alice.CallsOf("commit") + bob.CallsOf("commit"));
        Assert.Equal(new[] { CoordinatorPhase.Preparing, CoordinatorPhase.Aborting, CoordinatorPhase.Completed }, WrittenPhases);
        Assert.Equal(AbortCodes.InsufficientFunds, protocol.GetStatus().Reason?.Code);
    }

    [Fact]
    public async Task Record_is_durable_before_any_prepare_is_sent()
    {
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        var seenAtPrepare = new List<int>();
        alice.OnPrepare = bob.OnPrepare = (_, _) =>
        {
            lock (seenAtPrepare)
            {
                seenAtPrepare.Add(_store.Succeeded);
            }
        };
        var gate = _store.BlockNext();
        var protocol = NewProtocol();

        var execute = protocol.ExecuteAsync(Transfer(30));

        Assert.Equal(1, _store.Count);
        Assert.Empty(alice.Calls);
        Assert.Empty(bob.Calls);
        Assert.Equal(TransactionStatus.InProgress, protocol.GetStatus().Status);
        gate.SetResult();
        Assert.Equal(TransactionStatus.Committed, (await execute.Within()).Status);
        Assert.Equal(2, seenAtPrepare.Count);
        Assert.All(seenAtPrepare, durableWrites => Assert.Equal(1, durableWrites));
        Assert.Equal(CoordinatorPhase.Preparing, WrittenPhases[0]);
    }

    [Fact]
    public async Task A_failed_first_write_sends_no_prepare_and_fails_the_call()
    {
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        _store.FailNext(new IOException("storage unavailable"));
        var protocol = NewProtocol();

        await Assert.ThrowsAsync<IOException>(() => protocol.ExecuteAsync(Transfer(30)).Within());

        Assert.Empty(alice.Calls);
        Assert.Empty(bob.Calls);
        Assert.True(protocol.Driver!.IsFaulted);
    }

    [Fact]
    public async Task Concurrent_duplicate_calls_join_the_one_execution()
    {
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        var gate = _store.BlockNext();
        var protocol = NewProtocol();

        var first = protocol.ExecuteAsync(Transfer(30));
        var second = protocol.ExecuteAsync(new TransactionRequest(Transfer(30).Operations.Reverse().ToArray()).Dated(Created));
        gate.SetResult();

        var outcomes = await Task.WhenAll(first, second).Within();
        await protocol.Driver!.Within();
        Assert.All(outcomes, o => Assert.Equal(TransactionStatus.Committed, o.Status));
        Assert.Equal(1, alice.CallsOf("prepare"));
        Assert.Equal(1, bob.CallsOf("prepare"));
        Assert.Equal(70, await BalanceOf(alice));
        Assert.Equal(3, _store.Count);
    }

    // ---- replay, conflict, validation ----

    [Fact]
    public async Task Replay_of_the_same_request_returns_the_first_outcome_without_calling_participants()
    {
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        var protocol = NewProtocol();
        var first = await protocol.ExecuteAsync(Transfer(30)).Within();
        await protocol.Driver!.Within();
        alice.ClearCalls();
        bob.ClearCalls();
        var writes = _store.Count;
        _time.Advance(TimeSpan.FromMinutes(5));

        var replay = await protocol.ExecuteAsync(Transfer(30)).Within();
        var reordered = await protocol.ExecuteAsync(new TransactionRequest(Transfer(30).Operations.Reverse().ToArray()).Dated(Created)).Within();

        foreach (var again in new[] { replay, reordered })
        {
            Assert.True(again.Replayed);
            Assert.Equal(first.Status, again.Status);
            Assert.Equal(first.DecidedAt, again.DecidedAt);
            Assert.Equal(first.Reason, again.Reason);
        }

        Assert.Empty(alice.Calls);
        Assert.Empty(bob.Calls);
        Assert.Equal(writes, _store.Count);
        Assert.Equal(70, await BalanceOf(alice));
    }

    [Fact]
    public async Task Replay_on_a_new_activation_over_the_completed_record_returns_the_first_outcome()
    {
        var alice = Account("alice", 10);
        var bob = Account("bob", 0);
        var first = NewProtocol();
        var outcome = await first.ExecuteAsync(Transfer(30)).Within();
        await first.Driver!.Within();
        alice.ClearCalls();
        bob.ClearCalls();
        var writes = _store.Count;

        var second = NewProtocol(_record);
        second.Resume();
        var replay = await second.ExecuteAsync(Transfer(30)).Within();

        Assert.Null(second.Driver);
        Assert.True(replay.Replayed);
        Assert.Equal(TransactionStatus.Aborted, replay.Status);
        Assert.Equal(outcome.Reason, replay.Reason);
        Assert.Empty(alice.Calls);
        Assert.Empty(bob.Calls);
        Assert.Equal(writes, _store.Count);
    }

    [Fact]
    public async Task Different_request_under_a_used_id_is_a_conflict_and_changes_nothing()
    {
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        var protocol = NewProtocol();
        await protocol.ExecuteAsync(Transfer(30)).Within();
        await protocol.Driver!.Within();
        alice.ClearCalls();
        var writes = _store.Count;

        var ex = await Assert.ThrowsAsync<OperationConflictException>(() => protocol.ExecuteAsync(Transfer(31)));
        await Assert.ThrowsAsync<OperationConflictException>(() => protocol.ExecuteAsync(TransactionRequest.Transfer("bob", "alice", 30).Dated(Created)));

        Assert.Equal(Op, ex.OperationId);
        Assert.Empty(alice.Calls);
        Assert.Equal(writes, _store.Count);
        Assert.Equal(70, await BalanceOf(alice));
        Assert.Equal(30, await BalanceOf(bob));
    }

    [Fact]
    public async Task Different_request_while_the_first_is_running_is_a_conflict()
    {
        Account("alice", 100);
        Account("bob", 0);
        var gate = _store.BlockNext();
        var protocol = NewProtocol();
        var running = protocol.ExecuteAsync(Transfer(30));

        await Assert.ThrowsAsync<OperationConflictException>(() => protocol.ExecuteAsync(Transfer(31)));

        gate.SetResult();
        Assert.Equal(TransactionStatus.Committed, (await running.Within()).Status);
    }

    [Fact]
    public async Task Invalid_request_throws_and_stores_nothing()
    {
        var alice = Account("alice", 100);
        Account("bob", 0);
        var protocol = NewProtocol();

        var zero = await Assert.ThrowsAsync<InvalidRequestException>(() => protocol.ExecuteAsync(Transfer(0)));
        var steal = await Assert.ThrowsAsync<InvalidRequestException>(() => protocol.ExecuteAsync(
            new TransactionRequest(new ParticipantOperation(ParticipantKinds.Ledger, "alice", "steal", 5))));
        var unknownKind = await Assert.ThrowsAsync<InvalidRequestException>(() => protocol.ExecuteAsync(
            new TransactionRequest(new ParticipantOperation("bank", "alice", LedgerActions.Debit, 5))));

        Assert.Equal("operations[0].amount", zero.Field);
        Assert.Equal("operations[0].action", steal.Field);
        Assert.Equal("operations[0].kind", unknownKind.Field);
        Assert.Equal(CoordinatorPhase.None, protocol.Record.Phase);
        Assert.Equal(0, _store.Count);
        Assert.Empty(alice.Calls);
        Assert.Null(protocol.Driver);
        Assert.Equal(TransactionStatus.Unknown, protocol.GetStatus().Status);

        // Nothing was stored, so the id is still free for a valid request.
        Assert.Equal(TransactionStatus.Committed, (await protocol.ExecuteAsync(Transfer(30)).Within()).Status);
    }

    [Fact]
    public async Task Invalid_operation_id_throws_and_stores_nothing()
    {
        Account("alice", 100);
        var protocol = new CoordinatorProtocol("bad id", _record, _store.WriteAsync,
            new CoordinatorServices(id => _participants[id], _options, Kinds, _time, NullLogger.Instance), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<InvalidRequestException>(() => protocol.ExecuteAsync(TransactionRequest.Deposit("alice", 5).Dated(Created)));

        Assert.Equal("operationId", ex.Field);
        Assert.Equal(CoordinatorPhase.None, _record.Phase);
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task Participant_limit_comes_from_the_options()
    {
        _options.MaxParticipants = 1;
        Account("alice", 100);
        Account("bob", 0);
        var protocol = NewProtocol();

        var ex = await Assert.ThrowsAsync<InvalidRequestException>(() => protocol.ExecuteAsync(Transfer(30)));

        Assert.Equal("operations", ex.Field);
        Assert.Equal(0, _store.Count);
    }

    // ---- one phase ----

    [Fact]
    public async Task One_participant_commits_in_one_phase()
    {
        var alice = Account("alice", 100);
        var protocol = NewProtocol();

        var outcome = await protocol.ExecuteAsync(TransactionRequest.Deposit("alice", 25).Dated(Created)).Within();
        await protocol.Driver!.Within();

        Assert.Equal(TransactionStatus.Committed, outcome.Status);
        AssertCalls(alice, "one-phase:tx-1:1", "forget:tx-1:0");
        Assert.Equal(125, await BalanceOf(alice));
        Assert.Equal(new[] { CoordinatorPhase.Preparing, CoordinatorPhase.Completed }, WrittenPhases);
    }

    [Fact]
    public async Task One_phase_refusal_aborts_with_the_participants_reason()
    {
        var alice = Account("alice", 10);
        var protocol = NewProtocol();

        var outcome = await protocol.ExecuteAsync(new TransactionRequest(
            new ParticipantOperation(ParticipantKinds.Ledger, "alice", LedgerActions.Debit, 30)).Dated(Created)).Within();
        await protocol.Driver!.Within();

        Assert.Equal(TransactionStatus.Aborted, outcome.Status);
        Assert.Equal(AbortCodes.InsufficientFunds, outcome.Reason?.Code);
        AssertCalls(alice, "one-phase:tx-1:1", "forget:tx-1:0");
        Assert.Equal(10, await BalanceOf(alice));
        Assert.Equal(new[] { CoordinatorPhase.Preparing, CoordinatorPhase.Completed }, WrittenPhases);
    }

    [Fact]
    public async Task One_phase_commit_whose_reply_was_lost_is_learned_from_the_participant_and_reported_committed()
    {
        var alice = Account("alice", 100);
        alice.LoseOnePhaseReply = new IOException("reply lost");
        var protocol = NewProtocol();

        var outcome = await protocol.ExecuteAsync(TransactionRequest.Deposit("alice", 25).Dated(Created)).Within();

        Assert.Equal(TransactionStatus.Committed, outcome.Status);
        AssertCalls(alice, "one-phase:tx-1:1", "abort:tx-1:1", "forget:tx-1:0");
        Assert.Equal(125, await BalanceOf(alice));
    }

    [Fact]
    public async Task One_phase_timeout_aborts_and_fences_the_late_commit()
    {
        _options.ParticipantCallTimeout = TimeSpan.FromSeconds(1);
        var alice = Account("alice", 100);
        var late = new TaskCompletionSource();
        alice.CommitOnePhaseGate = late.Task;
        var protocol = NewProtocol();

        var execute = protocol.ExecuteAsync(TransactionRequest.Deposit("alice", 25).Dated(Created));
        Assert.False(execute.IsCompleted);
        _time.Advance(_options.ParticipantCallTimeout);
        var outcome = await execute.Within();

        Assert.Equal(TransactionStatus.Aborted, outcome.Status);
        Assert.Contains(outcome.Reason!.Code, new[] { AbortCodes.PrepareTimeout, AbortCodes.ParticipantFailed });
        late.SetResult();
        Assert.Equal(100, await BalanceOf(alice));
        Assert.Empty(alice.Protocol.State.Prepared);
        Assert.False(alice.Protocol.State.Ended[Op].Committed);
    }

    // ---- timeouts and failed participants ----

    [Fact]
    public async Task Prepare_timeout_aborts_with_prepare_timeout_and_releases_the_participants_that_voted_yes()
    {
        _options.ParticipantCallTimeout = TimeSpan.FromSeconds(1);
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        alice.PrepareGate = new TaskCompletionSource().Task; // never votes
        var protocol = NewProtocol();

        var execute = protocol.ExecuteAsync(Transfer(30));
        Assert.False(execute.IsCompleted, "must wait for alice's vote until the timeout");
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(execute.IsCompleted, "must not time out early");
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var outcome = await execute.Within();
        await protocol.Driver!.Within();

        Assert.Equal(TransactionStatus.Aborted, outcome.Status);
        Assert.Equal(AbortCodes.PrepareTimeout, outcome.Reason?.Code);
        Assert.Contains("ledger/alice", outcome.Reason!.Message, StringComparison.Ordinal);
        Assert.Equal(1, bob.CallsOf("abort"));
        AssertNothingReserved(bob);
        Assert.Equal(0, await BalanceOf(bob));
        Assert.Equal(CoordinatorPhase.Completed, protocol.Record.Phase);
    }

    /// <summary>
    /// Regression (Grains/Protocol/CoordinatorProtocol.cs, FinishAsync): on abort, phase 2 skips every participant whose
    /// recorded vote is "no" — including the synthetic no votes <c>prepare-timeout</c> and <c>participant-failed</c>
    /// that the coordinator made up for a participant that did NOT answer. Such a participant may still prepare
    /// (its prepare is in flight) and then holds a durable prepared record that nobody ever aborts: the coordinator
    /// record is Completed, and a participant never drops a prepared record on its own. Funds stay held forever.
    /// Fixed so: skip only real no votes returned by the participant (e.g. business-rule codes / "fenced"), or send the
    /// abort to every participant (an abort of an unknown id just writes a tombstone).
    /// </summary>
    [Fact]
    public async Task Prepare_timeout_sends_an_abort_to_the_late_participant_so_its_late_prepare_is_fenced()
    {
        _options.ParticipantCallTimeout = TimeSpan.FromSeconds(1);
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        var late = new TaskCompletionSource();
        alice.PrepareGate = late.Task;
        var protocol = NewProtocol();

        var execute = protocol.ExecuteAsync(Transfer(30));
        _time.Advance(_options.ParticipantCallTimeout);
        Assert.Equal(AbortCodes.PrepareTimeout, (await execute.Within()).Reason?.Code);
        await protocol.Driver!.Within();
        late.SetResult(); // alice's prepare finally runs
        await Task.Yield();
        await alice.Protocol.ReadAsync(a => a.Held).Within();

        Assert.True(alice.CallsOf("abort") == 1,
            $"the participant that timed out must get an abort; it got: {string.Join(", ", alice.Calls)}");
        Assert.True(alice.Account.Held == 0 && alice.Protocol.State.Prepared.Count == 0,
            $"the late prepare must not leave funds held forever: held {alice.Account.Held}, prepared [{string.Join(", ", alice.Protocol.State.Prepared.Keys)}]");
    }

    /// <summary>
    /// Regression (same cause as above): a participant whose prepare became durable but whose reply was lost (the call
    /// threw) is recorded as a <c>participant-failed</c> no vote, so the abort skips it and its reservation stays.
    /// </summary>
    [Fact]
    public async Task Participant_whose_prepare_reply_was_lost_still_gets_the_abort_and_releases_its_hold()
    {
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        alice.LosePrepareReply = new IOException("reply lost");
        var protocol = NewProtocol();

        var outcome = await protocol.ExecuteAsync(Transfer(30)).Within();
        await protocol.Driver!.Within();

        Assert.Equal(TransactionStatus.Aborted, outcome.Status);
        Assert.Equal(AbortCodes.ParticipantFailed, outcome.Reason?.Code);
        AssertNothingReserved(bob);
        Assert.True(alice.CallsOf("abort") == 1,
            $"a participant that may have prepared must get an abort; it got: {string.Join(", ", alice.Calls)}");
        Assert.True(alice.Account.Held == 0, $"alice still holds {alice.Account.Held} for an aborted transaction");
    }

    [Fact]
    public async Task Failed_phase_two_message_is_resent_after_the_backoff_until_answered()
    {
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        bob.FailCommits = 2;
        var protocol = NewProtocol();

        var outcome = await protocol.ExecuteAsync(Transfer(30)).Within();

        Assert.Equal(TransactionStatus.Committed, outcome.Status);
        Assert.False(protocol.Driver!.IsCompleted, "completion must wait for bob's acknowledgement");
        Assert.Equal(CoordinatorPhase.Committing, protocol.Record.Phase);
        _time.Advance(_options.RetryBackoff);
        Assert.False(protocol.Driver.IsCompleted, "the second wait is doubled");
        _time.Advance(_options.RetryBackoff * 2);
        await protocol.Driver.Within();

        Assert.Equal(3, bob.CallsOf("commit"));
        Assert.Equal(1, alice.CallsOf("commit"));
        Assert.Equal(30, await BalanceOf(bob));
        Assert.Equal(CoordinatorPhase.Completed, protocol.Record.Phase);
    }

    // ---- recovery: a new activation over a stored record ----

    [Fact]
    public async Task Resume_over_a_stored_preparing_record_presumes_abort_and_releases_the_prepared_participant()
    {
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        var request = Transfer(30);
        var stored = Stored(request);
        // Before the crash alice prepared (attempt 1); bob's prepare never arrived.
        Assert.True((await alice.Protocol.PrepareAsync(Op, 1, Created, request.Operations[0])).IsYes);
        var protocol = NewProtocol(stored);
        Assert.Equal(TransactionStatus.InProgress, protocol.GetStatus().Status);

        protocol.Resume();
        await protocol.Driver!.Within();

        var status = protocol.GetStatus();
        Assert.Equal(TransactionStatus.Aborted, status.Status);
        Assert.Equal(AbortCodes.CoordinatorRecovered, status.Reason?.Code);
        Assert.Equal(CoordinatorPhase.Completed, protocol.Record.Phase);
        Assert.Equal(2, protocol.Record.Epoch);
        Assert.Equal(new[] { (CoordinatorPhase.Preparing, 2L), (CoordinatorPhase.Aborting, 2L), (CoordinatorPhase.Completed, 2L) }, _written);
        AssertNothingReserved(alice);
        Assert.Equal(100, await BalanceOf(alice));
        AssertCalls(alice, "abort:tx-1:2", "forget:tx-1:0");
        AssertCalls(bob, "abort:tx-1:2", "forget:tx-1:0");
        // The old attempt's prepare, still in flight to bob, is refused.
        Assert.Equal(AbortCodes.Fenced, (await bob.Protocol.PrepareAsync(Op, 1, Created, request.Operations[1])).Reason?.Code);
    }

    [Fact]
    public async Task Execute_on_a_new_activation_over_a_preparing_record_joins_the_recovery()
    {
        var alice = Account("alice", 100);
        Account("bob", 0);
        var request = Transfer(30);
        await alice.Protocol.PrepareAsync(Op, 1, Created, request.Operations[0]);
        var protocol = NewProtocol(Stored(request));

        var outcome = await protocol.ExecuteAsync(request).Within();
        await protocol.Driver!.Within();

        Assert.Equal(TransactionStatus.Aborted, outcome.Status);
        Assert.Equal(AbortCodes.CoordinatorRecovered, outcome.Reason?.Code);
        Assert.True(outcome.Replayed);
        Assert.Equal(0, alice.CallsOf("prepare"));
        AssertNothingReserved(alice);
    }

    [Fact]
    public async Task Resume_over_a_stored_committing_record_finishes_the_commit()
    {
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        var request = Transfer(30);
        var stored = Stored(request);
        await alice.Protocol.PrepareAsync(Op, 1, Created, request.Operations[0]);
        await bob.Protocol.PrepareAsync(Op, 1, Created, request.Operations[1]);
        stored.Decide(true, null, [Vote.Yes, Vote.Yes], _time.GetUtcNow(), participantsDone: false);
        var protocol = NewProtocol(stored);
        Assert.Equal(TransactionStatus.Committed, protocol.GetStatus().Status);

        protocol.Resume();
        await protocol.Driver!.Within();

        Assert.Equal(70, await BalanceOf(alice));
        Assert.Equal(30, await BalanceOf(bob));
        AssertNothingReserved(alice);
        AssertNothingReserved(bob);
        AssertCalls(alice, "commit:tx-1:2", "forget:tx-1:0");
        AssertCalls(bob, "commit:tx-1:2", "forget:tx-1:0");
        Assert.Equal(new[] { (CoordinatorPhase.Committing, 2L), (CoordinatorPhase.Completed, 2L) }, _written);
        Assert.Equal(TransactionStatus.Committed, protocol.GetStatus().Status);
    }

    [Fact]
    public async Task Resume_over_a_committing_record_where_one_participant_already_committed_commits_the_rest_once()
    {
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        var request = Transfer(30);
        var stored = Stored(request);
        await alice.Protocol.PrepareAsync(Op, 1, Created, request.Operations[0]);
        await bob.Protocol.PrepareAsync(Op, 1, Created, request.Operations[1]);
        stored.Decide(true, null, [Vote.Yes, Vote.Yes], _time.GetUtcNow(), participantsDone: false);
        await alice.Protocol.CommitAsync(Op, 1); // phase 2 reached alice before the crash

        var protocol = NewProtocol(stored);
        protocol.Resume();
        await protocol.Driver!.Within();

        Assert.Equal(70, await BalanceOf(alice));
        Assert.Equal(30, await BalanceOf(bob));
    }

    [Fact]
    public async Task Resume_over_a_stored_aborting_record_finishes_the_abort()
    {
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        var request = Transfer(30);
        var stored = Stored(request);
        await alice.Protocol.PrepareAsync(Op, 1, Created, request.Operations[0]);
        await bob.Protocol.PrepareAsync(Op, 1, Created, request.Operations[1]);
        stored.Decide(false, new AbortReason(AbortCodes.OperatorAbort, "stop"), null, _time.GetUtcNow(), participantsDone: false);
        var protocol = NewProtocol(stored);

        protocol.Resume();
        await protocol.Driver!.Within();

        AssertNothingReserved(alice);
        AssertNothingReserved(bob);
        Assert.Equal(100, await BalanceOf(alice));
        Assert.Equal(0, await BalanceOf(bob));
        Assert.Equal(AbortCodes.OperatorAbort, protocol.GetStatus().Reason?.Code);
        Assert.Equal(CoordinatorPhase.Completed, protocol.Record.Phase);
    }

    [Fact]
    public async Task Resume_over_a_one_phase_record_the_participant_committed_reports_committed()
    {
        var alice = Account("alice", 100);
        var request = TransactionRequest.Deposit("alice", 25).Dated(Created);
        var stored = Stored(request);
        await alice.Protocol.CommitOnePhaseAsync(Op, 1, Created, request.Operations[0]); // landed, then the coordinator crashed

        var protocol = NewProtocol(stored);
        protocol.Resume();
        await protocol.Driver!.Within();

        Assert.Equal(TransactionStatus.Committed, protocol.GetStatus().Status);
        Assert.Equal(CoordinatorPhase.Completed, protocol.Record.Phase);
        Assert.Equal(125, await BalanceOf(alice));
        AssertCalls(alice, "abort:tx-1:2", "forget:tx-1:0");
    }

    [Fact]
    public async Task Resume_over_a_one_phase_record_the_participant_never_saw_aborts_and_fences_the_late_commit()
    {
        var alice = Account("alice", 100);
        var request = TransactionRequest.Deposit("alice", 25).Dated(Created);
        var protocol = NewProtocol(Stored(request));

        protocol.Resume();
        await protocol.Driver!.Within();

        Assert.Equal(AbortCodes.CoordinatorRecovered, protocol.GetStatus().Reason?.Code);
        Assert.Equal(CoordinatorPhase.Completed, protocol.Record.Phase);
        Assert.Equal(AbortCodes.Fenced, (await alice.Protocol.CommitOnePhaseAsync(Op, 1, Created, request.Operations[0])).Reason?.Code);
        Assert.Equal(100, await BalanceOf(alice));
    }

    [Fact]
    public void Resume_over_an_empty_or_completed_record_does_nothing()
    {
        var empty = NewProtocol(new CoordinatorRecord());
        empty.Resume();
        Assert.Null(empty.Driver);

        var completed = Stored(Transfer(1));
        completed.Decide(true, null, null, _time.GetUtcNow(), participantsDone: true);
        var done = NewProtocol(completed);
        done.Resume();
        Assert.Null(done.Driver);
        Assert.Equal(0, _store.Count);
    }

    // ---- the decision write ----

    [Fact]
    public async Task Failed_decision_write_makes_ExecuteAsync_throw_and_sends_no_phase_two()
    {
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        _store.SucceedNext();
        _store.FailNext(new IOException("storage unavailable"));
        var protocol = NewProtocol();

        await Assert.ThrowsAsync<IOException>(() => protocol.ExecuteAsync(Transfer(30)).Within());

        Assert.True(protocol.Driver!.IsFaulted, "the driver fails so the activation goes and the next one reads storage");
        Assert.Equal(2, _store.Count);
        Assert.Equal(1, _store.Succeeded);
        Assert.Equal(0, alice.CallsOf("commit") + bob.CallsOf("commit") + alice.CallsOf("abort") + bob.CallsOf("abort"));
        Assert.Equal(30, alice.Account.Held);
        Assert.Equal(100, await BalanceOf(alice));
        Assert.Equal(0, await BalanceOf(bob));
    }

    [Fact]
    public async Task After_a_failed_decision_write_the_next_activation_presumes_abort_from_storage()
    {
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        var request = Transfer(30);
        _store.SucceedNext();
        _store.FailNext(new IOException("storage unavailable"));
        await Assert.ThrowsAsync<IOException>(() => NewProtocol().ExecuteAsync(request).Within());

        // Storage holds what the only successful write stored: the Preparing record of attempt 1.
        var next = NewProtocol(Stored(request));
        var outcome = await next.ExecuteAsync(request).Within();
        await next.Driver!.Within();

        Assert.Equal(TransactionStatus.Aborted, outcome.Status);
        Assert.Equal(AbortCodes.CoordinatorRecovered, outcome.Reason?.Code);
        AssertNothingReserved(alice);
        AssertNothingReserved(bob);
        Assert.Equal(100, await BalanceOf(alice));
        Assert.Equal(0, await BalanceOf(bob));
    }

    /// <summary>
    /// Regression (Grains/Protocol/CoordinatorProtocol.cs, ExecuteAsync + RunTwoPhaseAsync): <c>record.Decide(...)</c> mutates
    /// the in-memory record before the decision write. When that write fails, the record still says Committed, and a
    /// retry on the same activation (the grain is [Reentrant]; DeactivateOnIdle only runs later) takes the
    /// <c>record.IsDecided</c> branch and answers a replayed "Committed" — although storage still holds Preparing and
    /// the next activation will presume abort. The caller is told Committed for a transaction that then aborts.
    /// </summary>
    [Fact]
    public async Task Retry_after_a_failed_decision_write_is_not_told_the_undurable_decision()
    {
        Account("alice", 100);
        Account("bob", 0);
        _store.SucceedNext();
        _store.FailNext(new IOException("storage unavailable"));
        var protocol = NewProtocol();
        await Assert.ThrowsAsync<IOException>(() => protocol.ExecuteAsync(Transfer(30)).Within());

        TransactionOutcome? retried = null;
        var error = await Record.ExceptionAsync(async () => retried = await protocol.ExecuteAsync(Transfer(30)).Within());
        var status = protocol.GetStatus();

        Assert.True(error is not null || retried is { IsDecided: false },
            $"retry was told '{retried}' although the decision never became durable (storage still says Preparing)");
        Assert.False(status.IsDecided, $"GetStatus reported '{status}' although the decision never became durable");
    }

    /// <summary>
    /// Regression (same cause): while the decision write is in flight, GetStatus ([AlwaysInterleave] on the grain) already
    /// reports the decision. If that write then fails, recovery presumes abort and the status flips.
    /// </summary>
    [Fact]
    public async Task GetStatus_while_the_decision_write_is_in_flight_reports_in_progress()
    {
        Account("alice", 100);
        Account("bob", 0);
        _store.SucceedNext();
        var decisionWrite = _store.BlockNext();
        var protocol = NewProtocol();
        var execute = protocol.ExecuteAsync(Transfer(30));
        Assert.Equal(2, _store.Count);
        Assert.False(execute.IsCompleted);

        var status = protocol.GetStatus();

        decisionWrite.SetResult();
        await execute.Within();
        Assert.True(status.Status == TransactionStatus.InProgress,
            $"GetStatus reported '{status}' before the decision was durable");
    }

    /// <summary>
    /// Regression (same cause): a duplicate Execute while the decision write is in flight takes the IsDecided branch and
    /// returns a replayed outcome at once, before the decision is durable — the coordinator's own rule is
    /// "decision durable before any caller hears it".
    /// </summary>
    [Fact]
    public async Task Duplicate_execute_while_the_decision_write_is_in_flight_waits_until_it_is_durable()
    {
        Account("alice", 100);
        Account("bob", 0);
        _store.SucceedNext();
        var decisionWrite = _store.BlockNext();
        var protocol = NewProtocol();
        var first = protocol.ExecuteAsync(Transfer(30));

        var duplicate = protocol.ExecuteAsync(Transfer(30));
        var answeredEarly = duplicate.IsCompleted;

        decisionWrite.SetResult();
        await Task.WhenAll(first, duplicate).Within();
        Assert.False(answeredEarly, $"the duplicate was answered '{await duplicate}' before the decision write completed");
    }
}
