using Microsoft.Extensions.Time.Testing;
using OrleansTwoPc.Participants;
using OrleansTwoPc.Protocol;
using Xunit;

namespace OrleansTwoPc.Tests.Protocol;

public class ParticipantProtocolTests
{
    private static readonly DateTimeOffset Created = Wait.Start;

    private const string Op = "op-1";

    private readonly FakeTimeProvider _time = Wait.NewClock();
    private readonly FakeWrite _store = new();

    private ParticipantProtocol<LedgerAccount> Ledger(long balance, bool keepTrail = false) => new(
        "alice",
        new ParticipantState<LedgerAccount> { Value = new LedgerAccount { Balance = balance } },
        new LedgerRules(), _store.WriteAsync, _time, new ParticipantSettings { KeepTrail = keepTrail });

    private static ParticipantOperation Debit(long amount, string key = "alice") =>
        new(ParticipantKinds.Ledger, key, LedgerActions.Debit, amount);

    private static ParticipantOperation Credit(long amount, string key = "alice") =>
        new(ParticipantKinds.Ledger, key, LedgerActions.Credit, amount);

    private static long Balance(ParticipantProtocol<LedgerAccount> p) => p.State.Value.Balance;

    private static long Held(ParticipantProtocol<LedgerAccount> p) => p.State.Value.Held;

    // ---- prepare / commit / abort ----

    [Fact]
    public async Task Prepare_debit_holds_funds_makes_the_record_durable_and_reads_still_show_the_committed_balance()
    {
        var p = Ledger(100);

        var vote = await p.PrepareAsync(Op, 1, Created, Debit(30));

        Assert.True(vote.IsYes, vote.ToString());
        Assert.Equal(1, _store.Count);
        Assert.Equal(30, Held(p));
        Assert.Equal(100, await p.ReadAsync(a => a.Balance));
        var prepared = Assert.Single(p.State.Prepared);
        Assert.Equal(Op, prepared.Key);
        Assert.Equal(new PreparedRecord(1, Debit(30), _time.GetUtcNow(), Created), prepared.Value);
        Assert.Empty(p.State.Ended);
    }

    [Fact]
    public async Task Commit_applies_the_prepared_debit_and_records_the_end()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Debit(30));

        await p.CommitAsync(Op, 1);

        Assert.Equal(70, await p.ReadAsync(a => a.Balance));
        Assert.Equal(0, Held(p));
        Assert.Empty(p.State.Prepared);
        var ended = p.State.Ended[Op];
        Assert.True(ended.Committed);
        Assert.Equal(Debit(30), ended.Operation);
        Assert.Equal(2, _store.Count);
    }

    [Fact]
    public async Task Commit_applies_a_prepared_credit()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Credit(30));
        Assert.Equal(30, p.State.Value.Incoming);
        Assert.Equal(100, await p.ReadAsync(a => a.Balance));

        await p.CommitAsync(Op, 1);

        Assert.Equal(130, Balance(p));
        Assert.Equal(0, p.State.Value.Incoming);
    }

    [Fact]
    public async Task Abort_releases_the_prepared_debit_and_leaves_a_tombstone()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Debit(30));

        var status = await p.AbortAsync(Op, 1);

        Assert.Equal(TransactionStatus.Aborted, status);
        Assert.Equal(100, Balance(p));
        Assert.Equal(0, Held(p));
        Assert.Empty(p.State.Prepared);
        Assert.False(p.State.Ended[Op].Committed);
        Assert.Equal(2, _store.Count);
    }

    [Fact]
    public async Task Duplicate_prepare_votes_yes_without_reserving_twice()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Debit(30));

        var again = await p.PrepareAsync(Op, 1, Created, Debit(30));

        Assert.True(again.IsYes);
        Assert.Equal(30, Held(p));
        Assert.Single(p.State.Prepared);
    }

    [Fact]
    public async Task Duplicate_commit_does_not_apply_again_nor_write_again()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Debit(30));
        await p.CommitAsync(Op, 1);
        var writes = _store.Count;

        await p.CommitAsync(Op, 1);
        await p.CommitAsync(Op, 2);

        Assert.Equal(70, Balance(p));
        Assert.Equal(0, Held(p));
        Assert.Equal(writes, _store.Count);
    }

    [Fact]
    public async Task Duplicate_abort_answers_aborted_without_writing_again()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Debit(30));
        await p.AbortAsync(Op, 1);
        var writes = _store.Count;

        Assert.Equal(TransactionStatus.Aborted, await p.AbortAsync(Op, 1));
        Assert.Equal(TransactionStatus.Aborted, await p.AbortAsync(Op, 2));

        Assert.Equal(100, Balance(p));
        Assert.Equal(0, Held(p));
        Assert.Equal(writes, _store.Count);
    }

    [Fact]
    public async Task Prepare_after_commit_answers_yes_from_the_trail_without_reserving()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Debit(30));
        await p.CommitAsync(Op, 1);

        var vote = await p.PrepareAsync(Op, 1, Created, Debit(30));

        Assert.True(vote.IsYes);
        Assert.Equal(70, Balance(p));
        Assert.Equal(0, Held(p));
        Assert.Empty(p.State.Prepared);
    }

    [Fact]
    public async Task Abort_of_an_unknown_operation_writes_a_tombstone_that_fences_a_late_prepare()
    {
        var p = Ledger(100);

        var status = await p.AbortAsync(Op, 1);

        Assert.Equal(TransactionStatus.Aborted, status);
        Assert.Equal(1, _store.Count);
        Assert.False(p.State.Ended[Op].Committed);

        var late = await p.PrepareAsync(Op, 1, Created, Debit(30));

        Assert.False(late.IsYes);
        Assert.Equal(AbortCodes.Fenced, late.Reason!.Code);
        Assert.Equal(0, Held(p));
        Assert.Empty(p.State.Prepared);
        Assert.Equal(1, _store.Count);
    }

    [Fact]
    public async Task Tombstone_also_fences_a_late_one_phase_commit()
    {
        var p = Ledger(100);
        await p.AbortAsync(Op, 1);

        var late = await p.CommitOnePhaseAsync(Op, 1, Created, Debit(30));

        Assert.Equal(AbortCodes.Fenced, late.Reason?.Code);
        Assert.Equal(100, Balance(p));
    }

    [Fact]
    public async Task Prepare_from_an_older_epoch_than_the_prepared_record_votes_fenced()
    {
        var p = Ledger(100);
        Assert.True((await p.PrepareAsync(Op, 2, Created, Debit(30))).IsYes);

        var old = await p.PrepareAsync(Op, 1, Created, Debit(30));

        Assert.False(old.IsYes);
        Assert.Equal(AbortCodes.Fenced, old.Reason!.Code);
        Assert.Equal(2, p.State.Prepared[Op].Epoch);
        Assert.Equal(30, Held(p));
    }

    [Fact]
    public async Task Prepare_from_a_newer_epoch_adopts_the_epoch_without_reserving_again()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Debit(30));

        Assert.True((await p.PrepareAsync(Op, 3, Created, Debit(30))).IsYes);

        Assert.Equal(3, p.State.Prepared[Op].Epoch);
        Assert.Equal(30, Held(p));
        Assert.Equal(AbortCodes.Fenced, (await p.PrepareAsync(Op, 2, Created, Debit(30))).Reason?.Code);
    }

    [Fact]
    public async Task Commit_keeps_the_highest_epoch_seen_in_the_trail()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 3, Created, Debit(30));
        await p.CommitAsync(Op, 2);
        Assert.Equal(3, p.State.Ended[Op].Epoch);
    }

    [Fact]
    public async Task Commit_after_abort_is_an_invariant_violation()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Debit(30));
        await p.AbortAsync(Op, 1);

        await Assert.ThrowsAsync<ProtocolInvariantException>(() => p.CommitAsync(Op, 1));
        Assert.Equal(100, Balance(p));
    }

    [Fact]
    public async Task Commit_without_a_prepared_record_is_an_invariant_violation_when_the_trail_is_kept()
    {
        var p = Ledger(100, keepTrail: true);
        await Assert.ThrowsAsync<ProtocolInvariantException>(() => p.CommitAsync(Op, 1));
        Assert.Equal(100, Balance(p));
        Assert.Equal(0, _store.Count);
    }

    // ---- forgetting ended records once the coordinator completed ----

    [Fact]
    public async Task Forget_drops_the_ended_record_with_the_next_write_and_a_late_commit_applies_nothing()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Debit(30));
        await p.CommitAsync(Op, 1);
        Assert.True(p.State.Ended.ContainsKey(Op));

        p.Forget(Op);

        Assert.Empty(p.State.Ended);
        var writes = _store.Count;
        await p.CommitAsync(Op, 1); // a late copy of the commit
        Assert.Equal(70, Balance(p));
        Assert.Equal(0, Held(p));
        // One version-checked write, with nothing changed: it proves this activation current before it acknowledges.
        Assert.Equal(writes + 1, _store.Count);
    }

    [Fact]
    public async Task A_prepare_delivered_after_forgetting_is_released_when_the_coordinator_says_completed()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Debit(30));
        await p.CommitAsync(Op, 1);
        p.Forget(Op);

        var late = await p.PrepareAsync(Op, 1, Created, Debit(30)); // the same prepare, delivered again after all that
        Assert.True(late.IsYes);
        Assert.Equal(30, Held(p));

        _time.Advance(TimeSpan.FromSeconds(11));
        var completed = new TransactionOutcome
        {
            OperationId = Op, Status = TransactionStatus.Committed, DecidedAt = _time.GetUtcNow(), CompletedAt = _time.GetUtcNow(),
        };
        var remaining = await p.ResolveStaleAsync(TimeSpan.FromSeconds(10), (_, _) => Task.FromResult(completed));

        Assert.Equal(0, remaining);
        Assert.Equal(70, Balance(p)); // applied once, not twice
        Assert.Equal(0, Held(p));
        Assert.Empty(p.State.Ended); // no abort entry: the transaction did commit
    }

    [Fact]
    public async Task A_prepared_record_whose_coordinator_committed_but_has_not_completed_is_applied()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Debit(30));
        _time.Advance(TimeSpan.FromSeconds(11));
        var committing = new TransactionOutcome { OperationId = Op, Status = TransactionStatus.Committed, DecidedAt = _time.GetUtcNow() };

        await p.ResolveStaleAsync(TimeSpan.FromSeconds(10), (_, _) => Task.FromResult(committing));

        Assert.Equal(70, Balance(p));
        Assert.True(p.State.Ended[Op].Committed);
    }

    [Fact]
    public async Task Forget_keeps_the_record_when_the_trail_is_kept()
    {
        var p = Ledger(100, keepTrail: true);
        await p.PrepareAsync(Op, 1, Created, Debit(30));
        await p.CommitAsync(Op, 1);

        p.Forget(Op);

        Assert.True(p.State.Ended[Op].Committed);
    }

    [Fact]
    public async Task An_ended_record_answers_only_for_the_operation_that_ended_here()
    {
        var p = Ledger(100);
        Assert.True((await p.CommitOnePhaseAsync(Op, 1, Created, Credit(30))).IsYes);

        var duplicate = await p.CommitOnePhaseAsync(Op, 1, Created, Credit(30));
        var other = await p.PrepareAsync(Op, 1, Created, Credit(31));
        var reused = await p.CommitOnePhaseAsync(Op, 1, Created.AddDays(1), Credit(30)); // the id again, created anew

        Assert.True(duplicate.IsYes);
        Assert.Equal(AbortCodes.Fenced, other.Reason?.Code);
        Assert.Equal(AbortCodes.Fenced, reused.Reason?.Code);
        Assert.Equal(130, Balance(p));
        Assert.Empty(p.State.Prepared);
    }

    [Fact]
    public async Task A_first_message_of_an_operation_older_than_retention_is_refused_as_expired()
    {
        var p = Ledger(100);
        var old = _time.GetUtcNow() - TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1);

        var prepare = await p.PrepareAsync(Op, 1, old, Debit(30));
        var onePhase = await p.CommitOnePhaseAsync("op-2", 1, old, Credit(30));
        var future = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            p.CommitOnePhaseAsync("op-3", 1, _time.GetUtcNow() + TimeSpan.FromMinutes(11), Credit(30)));

        Assert.Equal((AbortCodes.Expired, AbortCodes.Expired), (prepare.Reason?.Code, onePhase.Reason?.Code));
        Assert.Equal("createdAt", future.Field);
        Assert.Equal((100L, 0L), (Balance(p), Held(p)));
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task Forget_keeps_a_fence_until_retention_and_then_the_late_message_is_refused_as_expired()
    {
        var p = Ledger(100);
        Assert.Equal(TransactionStatus.Aborted, await p.AbortAsync(Op, 1)); // overtook its one-phase commit
        p.Forget(Op);
        Assert.True(p.State.Ended[Op].Fence);

        _time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(11));
        Assert.Equal(1, p.PruneExpired());
        var late = await p.CommitOnePhaseAsync(Op, 1, Created, Credit(30));

        Assert.Equal(AbortCodes.Expired, late.Reason?.Code);
        Assert.Equal(100, Balance(p));
    }

    [Fact]
    public async Task Prepare_of_a_different_operation_under_a_prepared_id_votes_fenced_and_changes_nothing()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Debit(30));

        // Another operation, or the same one of another creation time (an id reused after it expired): not this one.
        var other = await p.PrepareAsync(Op, 1, Created, Debit(31));
        var reused = await p.PrepareAsync(Op, 1, Created.AddDays(8), Debit(30));

        Assert.Equal(AbortCodes.Fenced, other.Reason?.Code);
        Assert.Equal(AbortCodes.Fenced, reused.Reason?.Code);
        Assert.Equal(30, Held(p));
        Assert.Equal(1, _store.Count);
    }

    [Fact]
    public async Task Operation_of_another_kind_action_or_key_is_refused_as_bad_input_and_changes_nothing()
    {
        var p = Ledger(100);
        var kind = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            p.PrepareAsync(Op, 1, Created, new ParticipantOperation(ParticipantKinds.Inventory, "alice", LedgerActions.Debit, 1)));
        var action = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            p.PrepareAsync(Op, 1, Created, new ParticipantOperation(ParticipantKinds.Ledger, "alice", "steal", 1)));
        var key = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            p.CommitOnePhaseAsync(Op, 1, Created, new ParticipantOperation(ParticipantKinds.Ledger, "bob", LedgerActions.Credit, 1)));
        var epoch = await Assert.ThrowsAsync<InvalidRequestException>(() => p.AbortAsync(Op, 0));
        var id = await Assert.ThrowsAsync<InvalidRequestException>(() => p.CommitAsync("", 1));

        Assert.Equal(["operation.kind", "operation.action", "operation.key", "epoch", "operationId"],
            new[] { kind.Field, action.Field, key.Field, epoch.Field, id.Field });
        Assert.Contains("ledger/bob", key.Rule, StringComparison.Ordinal);
        Assert.Equal(0, Held(p));
        Assert.Equal(0, _store.Count);
        Assert.Equal(100, await p.ReadAsync(a => a.Balance)); // bad input does not break the activation
    }

    [Fact]
    public async Task Insufficient_funds_votes_no_without_reserving_or_writing()
    {
        var p = Ledger(10);

        var vote = await p.PrepareAsync(Op, 1, Created, Debit(30));

        Assert.False(vote.IsYes);
        Assert.Equal(AbortCodes.InsufficientFunds, vote.Reason!.Code);
        Assert.Equal(0, Held(p));
        Assert.Empty(p.State.Prepared);
        Assert.Empty(p.State.Ended);
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task Abort_after_a_no_vote_leaves_the_value_untouched()
    {
        var p = Ledger(10);
        await p.PrepareAsync(Op, 1, Created, Debit(30));

        Assert.Equal(TransactionStatus.Aborted, await p.AbortAsync(Op, 1));

        Assert.Equal(10, Balance(p));
        Assert.Equal(0, Held(p));
    }

    // ---- one phase ----

    [Fact]
    public async Task One_phase_commit_applies_once_and_a_duplicate_answers_yes_without_applying_again()
    {
        var p = Ledger(100);

        var first = await p.CommitOnePhaseAsync(Op, 1, Created, Debit(30));
        var writes = _store.Count;
        var second = await p.CommitOnePhaseAsync(Op, 1, Created, Debit(30));

        Assert.True(first.IsYes);
        Assert.True(second.IsYes);
        Assert.Equal(70, await p.ReadAsync(a => a.Balance));
        Assert.Equal(0, Held(p));
        Assert.Empty(p.State.Prepared);
        Assert.True(p.State.Ended[Op].Committed);
        Assert.Equal(1, writes);
        Assert.Equal(writes, _store.Count);
    }

    [Fact]
    public async Task Abort_after_a_one_phase_commit_answers_committed_and_changes_nothing()
    {
        var p = Ledger(100);
        await p.CommitOnePhaseAsync(Op, 1, Created, Credit(30));

        var status = await p.AbortAsync(Op, 2);

        Assert.Equal(TransactionStatus.Committed, status);
        Assert.Equal(130, Balance(p));
        Assert.True(p.State.Ended[Op].Committed);
    }

    [Fact]
    public async Task One_phase_commit_refused_by_the_rules_records_nothing_so_a_later_abort_aborts()
    {
        var p = Ledger(10);

        var vote = await p.CommitOnePhaseAsync(Op, 1, Created, Debit(30));

        Assert.Equal(AbortCodes.InsufficientFunds, vote.Reason?.Code);
        Assert.Equal(0, _store.Count);
        Assert.Empty(p.State.Ended);
        Assert.Equal(TransactionStatus.Aborted, await p.AbortAsync(Op, 1));
        Assert.Equal(10, Balance(p));
    }

    [Fact]
    public async Task One_phase_commit_of_a_prepared_transaction_votes_fenced()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Debit(30));

        Assert.Equal(AbortCodes.Fenced, (await p.CommitOnePhaseAsync(Op, 1, Created, Debit(30))).Reason?.Code);
        Assert.Equal(100, Balance(p));
        Assert.Equal(30, Held(p));
    }

    // ---- durability, group commit, concurrency ----

    [Fact]
    public async Task Prepare_does_not_answer_before_its_write_is_durable()
    {
        var p = Ledger(100);
        var gate = _store.BlockNext();

        var vote = p.PrepareAsync(Op, 1, Created, Debit(30));

        Assert.False(vote.IsCompleted, "a yes vote must wait for the prepared record to be durable");
        gate.SetResult();
        Assert.True((await vote.Within()).IsYes);
    }

    [Fact]
    public async Task Concurrent_prepares_while_a_write_is_in_flight_share_one_write()
    {
        var p = Ledger(100);
        var gate = _store.BlockNext();

        var a = p.PrepareAsync("op-a", 1, Created, Debit(10));
        var b = p.PrepareAsync("op-b", 1, Created, Debit(20));
        var c = p.PrepareAsync("op-c", 1, Created, Credit(5));

        Assert.Equal(1, _store.Count);
        Assert.False(a.IsCompleted || b.IsCompleted || c.IsCompleted, "no vote before its write is durable");
        Assert.Equal(30, Held(p));

        gate.SetResult();
        var votes = await Task.WhenAll(a, b, c).Within();

        Assert.All(votes, v => Assert.True(v.IsYes, v.ToString()));
        Assert.Equal(2, _store.Count);
        Assert.Equal(3, p.State.Prepared.Count);
    }

    [Fact]
    public async Task A_failing_write_makes_the_awaiting_prepare_throw()
    {
        var p = Ledger(100);
        _store.FailNext(new IOException("storage unavailable"));

        var ex = await Assert.ThrowsAsync<IOException>(() => p.PrepareAsync(Op, 1, Created, Debit(30)));

        Assert.Equal("storage unavailable", ex.Message);
    }

    [Fact]
    public async Task A_failing_shared_write_fails_every_prepare_that_awaited_it_and_not_the_earlier_one()
    {
        var p = Ledger(100);
        var gate = _store.BlockNext();
        _store.FailNext(new IOException("storage unavailable"));

        var a = p.PrepareAsync("op-a", 1, Created, Debit(10));
        var b = p.PrepareAsync("op-b", 1, Created, Debit(20));
        var c = p.PrepareAsync("op-c", 1, Created, Debit(30));
        gate.SetResult();

        Assert.True((await a.Within()).IsYes);
        await Assert.ThrowsAsync<IOException>(() => b.Within());
        await Assert.ThrowsAsync<IOException>(() => c.Within());
        Assert.Equal(2, _store.Count);
    }

    [Fact]
    public async Task A_failing_commit_write_makes_the_commit_throw()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Debit(30));
        _store.FailNext(new IOException("storage unavailable"));

        await Assert.ThrowsAsync<IOException>(() => p.CommitAsync(Op, 1));
    }

    [Fact]
    public async Task Concurrent_debits_that_together_exceed_the_balance_refuse_the_second_while_the_first_is_prepared()
    {
        var p = Ledger(100);
        var gate = _store.BlockNext();

        var first = p.PrepareAsync("op-a", 1, Created, Debit(70));
        var second = await p.PrepareAsync("op-b", 1, Created, Debit(40)).Within();

        Assert.False(second.IsYes);
        Assert.Equal(AbortCodes.InsufficientFunds, second.Reason!.Code);
        gate.SetResult();
        Assert.True((await first.Within()).IsYes);
        Assert.Equal(70, Held(p));
        Assert.Equal(100, Balance(p));
        Assert.Single(p.State.Prepared);
    }

    [Fact]
    public async Task Funds_released_by_an_abort_are_available_again()
    {
        var p = Ledger(100);
        await p.PrepareAsync("op-a", 1, Created, Debit(70));
        Assert.Equal(AbortCodes.InsufficientFunds, (await p.PrepareAsync("op-b", 1, Created, Debit(40))).Reason?.Code);

        await p.AbortAsync("op-a", 1);

        Assert.True((await p.PrepareAsync("op-c", 1, Created, Debit(40))).IsYes);
        Assert.Equal(40, Held(p));
    }

    [Fact]
    public async Task Read_waits_until_a_commit_in_flight_is_durable()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Debit(30));
        var gate = _store.BlockNext();
        var commit = p.CommitAsync(Op, 1);

        var read = p.ReadAsync(a => a.Balance);

        Assert.False(read.IsCompleted, "a read must not show a commit that is not durable yet");
        gate.SetResult();
        await commit.Within();
        Assert.Equal(70, await read.Within());
    }

    [Fact]
    public async Task Read_with_nothing_in_flight_answers_at_once_without_writing()
    {
        var p = Ledger(100);

        var read = p.ReadAsync(a => a.Balance);

        Assert.True(read.IsCompleted);
        Assert.Equal(100, await read);
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task Duplicate_commit_while_the_first_commit_write_is_in_flight_waits_for_durability()
    {
        var p = Ledger(100);
        await p.PrepareAsync(Op, 1, Created, Debit(30));
        var gate = _store.BlockNext();
        var first = p.CommitAsync(Op, 1);

        var duplicate = p.CommitAsync(Op, 1);

        Assert.False(duplicate.IsCompleted, "a duplicate must not acknowledge a commit that is not durable yet");
        gate.SetResult();
        await Task.WhenAll(first, duplicate).Within();
        Assert.Equal(70, Balance(p));
    }

    [Fact]
    public async Task Abort_racing_a_prepare_whose_write_is_in_flight_releases_it()
    {
        var p = Ledger(100);
        var gate = _store.BlockNext();
        var prepare = p.PrepareAsync(Op, 1, Created, Debit(30));

        var abort = p.AbortAsync(Op, 2);
        gate.SetResult();

        Assert.True((await prepare.Within()).IsYes);
        Assert.Equal(TransactionStatus.Aborted, await abort.Within());
        Assert.Equal(0, Held(p));
        Assert.Empty(p.State.Prepared);
        Assert.Equal(AbortCodes.Fenced, (await p.PrepareAsync(Op, 1, Created, Debit(30))).Reason?.Code);
    }
}
