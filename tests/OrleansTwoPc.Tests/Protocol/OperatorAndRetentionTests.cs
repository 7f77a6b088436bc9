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

namespace OrleansTwoPc.Tests.Protocol;

/// <summary>Operator abort, request expiry, the trail's retention and back-pressure, on the plain protocol classes.</summary>
public sealed class OperatorAndRetentionTests
{
    private static readonly DateTimeOffset Created = Wait.Start;

    private static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> Kinds = new Dictionary<string, IReadOnlySet<string>>
    {
        [ParticipantKinds.Ledger] = new HashSet<string>([LedgerActions.Credit, LedgerActions.Debit]),
    };

    private readonly FakeTimeProvider _time = Wait.NewClock();
    private readonly TwoPcOptions _options = new();
    private readonly FakeWrite _store = new();
    private readonly Dictionary<ParticipantId, FakeParticipant> _participants = [];
    private readonly CoordinatorRecord _record = new();

    private FakeParticipant Account(string key, long balance)
    {
        var participant = new FakeParticipant(new ParticipantId(ParticipantKinds.Ledger, key), balance, _time);
        _participants.Add(participant.Id, participant);
        return participant;
    }

    private CoordinatorProtocol NewProtocol() => new("op-1", _record, _store.WriteAsync,
        new CoordinatorServices(id => _participants[id], _options, Kinds, _time, NullLogger.Instance), CancellationToken.None);

    [Fact]
    public async Task Operator_abort_of_an_undecided_transaction_aborts_it_everywhere()
    {
        var alice = Account("alice", 100);
        var bob = Account("bob", 0);
        var gate = new TaskCompletionSource();
        bob.PrepareGate = gate.Task;
        var protocol = NewProtocol();
        var execute = protocol.ExecuteAsync(TransactionRequest.Transfer("alice", "bob", 30).Dated(Created));

        var aborted = protocol.AbortByOperatorAsync();
        gate.SetResult();

        var outcome = await execute.Within();
        Assert.Equal(outcome, await aborted.Within());
        Assert.Equal(AbortCodes.OperatorAbort, outcome.Reason?.Code);
        await protocol.Driver!.Within();
        Assert.Empty(alice.Protocol.State.Prepared);
        Assert.Empty(bob.Protocol.State.Prepared);
        Assert.Equal(100, alice.Account.Balance);
        Assert.Equal(0, alice.Account.Held);
    }

    [Fact]
    public async Task Operator_abort_is_refused_once_the_decision_is_durable_and_for_unknown_ids()
    {
        Account("alice", 100);
        Account("bob", 0);
        var protocol = NewProtocol();
        await Assert.ThrowsAsync<OperatorActionRefusedException>(() => protocol.AbortByOperatorAsync());

        await protocol.ExecuteAsync(TransactionRequest.Transfer("alice", "bob", 30).Dated(Created)).Within();
        var refused = await Assert.ThrowsAsync<OperatorActionRefusedException>(() => protocol.AbortByOperatorAsync());
        Assert.Contains("committed", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_older_than_retention_is_refused_as_expired_and_stores_nothing()
    {
        Account("alice", 100);
        var protocol = NewProtocol();
        var old = TransactionRequest.Deposit("alice", 5).Dated(Created) with { CreatedAt = _time.GetUtcNow() - _options.Retention - TimeSpan.FromMinutes(1) };

        var error = await Assert.ThrowsAsync<OperationExpiredException>(() => protocol.ExecuteAsync(old));
        Assert.Equal("op-1", error.OperationId);
        Assert.Equal(CoordinatorPhase.None, _record.Phase);
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task A_request_dated_beyond_the_clock_skew_is_invalid()
    {
        Account("alice", 100);
        var future = TransactionRequest.Deposit("alice", 5).Dated(Created) with { CreatedAt = _time.GetUtcNow() + _options.MaxClockSkew + TimeSpan.FromMinutes(1) };

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => NewProtocol().ExecuteAsync(future));
        Assert.Equal("createdAt", error.Field);
    }

    [Fact]
    public async Task A_stored_outcome_is_replayed_even_when_the_retry_is_old()
    {
        Account("alice", 100);
        var protocol = NewProtocol();
        var request = TransactionRequest.Deposit("alice", 5).Dated(Created) with { CreatedAt = _time.GetUtcNow() };
        await protocol.ExecuteAsync(request).Within();

        _time.Advance(_options.Retention + TimeSpan.FromDays(1));
        var replay = await protocol.ExecuteAsync(request).Within();
        Assert.True(replay.Replayed);
        Assert.Equal(TransactionStatus.Committed, replay.Status);
    }

    [Fact]
    public async Task The_trail_drops_records_older_than_retention_on_a_fake_clock()
    {
        var time = Wait.NewClock();
        var settings = new ParticipantSettings { Retention = TimeSpan.FromDays(7), PruneEvery = 10 };
        var store = new FakeWrite();
        var protocol = new ParticipantProtocol<LedgerAccount>("a", new ParticipantState<LedgerAccount>(), new LedgerRules(), store.WriteAsync, time, settings);
        var credit = new ParticipantOperation(ParticipantKinds.Ledger, "a", LedgerActions.Credit, 1);

        for (var i = 0; i < 100; i++)
        {
            await protocol.CommitOnePhaseAsync($"old-{i}", 1, time.GetUtcNow(), credit).Within();
        }

        time.Advance(TimeSpan.FromDays(8));
        for (var i = 0; i < 10; i++)
        {
            await protocol.CommitOnePhaseAsync($"new-{i}", 1, time.GetUtcNow(), credit).Within();
        }

        // Steady state: only the retention window's records remain, however many came before.
        Assert.Equal(10, protocol.State.Ended.Count);
        Assert.All(protocol.State.Ended.Keys, id => Assert.StartsWith("new-", id, StringComparison.Ordinal));
        Assert.Equal(110, protocol.State.Value.Balance);
    }

    [Fact]
    public async Task A_participant_at_its_prepared_limit_votes_no_with_a_clear_reason()
    {
        var time = Wait.NewClock();
        var protocol = new ParticipantProtocol<LedgerAccount>("a", new ParticipantState<LedgerAccount> { Value = new LedgerAccount { Balance = 100 } },
            new LedgerRules(), new FakeWrite().WriteAsync, time, new ParticipantSettings { MaxPrepared = 2 });
        var debit = new ParticipantOperation(ParticipantKinds.Ledger, "a", LedgerActions.Debit, 1);

        Assert.True((await protocol.PrepareAsync("p1", 1, Created, debit).Within()).IsYes);
        Assert.True((await protocol.PrepareAsync("p2", 1, Created, debit).Within()).IsYes);
        var third = await protocol.PrepareAsync("p3", 1, Created, debit).Within();

        Assert.False(third.IsYes);
        Assert.Equal(AbortCodes.ParticipantBusy, third.Reason?.Code);
        Assert.Contains("limit 2", third.Reason!.Message, StringComparison.Ordinal);
        Assert.Equal(2, protocol.State.Value.Held);
    }
}
