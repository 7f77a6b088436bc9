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
/// Two activations of one grain over one store, interleaved: a stale one (it loaded before the live one wrote) must
/// not answer from what it does not have. Issue 12, hole 3: before acting on "I have no record", an activation proves
/// it is current with a version-checked write, and a coordinator that tells a participant "no record" first makes
/// that abort durable.
/// </summary>
public class StaleActivationTests
{
    private static readonly DateTimeOffset Created = Wait.Start;

    private const string Op = "stale-1";

    private readonly FakeTimeProvider _time = Wait.NewClock();
    // The prepare timeout outlasts the decision timeout here, so the live coordinator is still waiting for bob's vote
    // when alice's decision becomes overdue.
    private readonly TwoPcOptions _options = new() { ParticipantCallTimeout = TimeSpan.FromMinutes(1) };

    private static ParticipantOperation Debit(long amount) => new(ParticipantKinds.Ledger, "alice", LedgerActions.Debit, amount);

    private ParticipantProtocol<LedgerAccount> Participant(SharedStore<ParticipantState<LedgerAccount>>.Activation activation) =>
        new("alice", activation.State, new LedgerRules(), activation.WriteAsync, _time, new ParticipantSettings { KeepTrail = false });

    [Fact]
    public async Task A_stale_participant_does_not_acknowledge_a_commit_it_has_no_record_of()
    {
        var store = new SharedStore<ParticipantState<LedgerAccount>>(
            new ParticipantState<LedgerAccount> { Value = new LedgerAccount { Balance = 100 } }, CopyParticipant);
        var stale = Participant(store.Load());
        var live = Participant(store.Load());

        Assert.True((await live.PrepareAsync(Op, 1, Created, Debit(30)).Within()).IsYes);
        // The commit reaches the stale activation: it has no record. Acknowledging would let the coordinator complete
        // and forget, after which the live activation releases its prepared record as a stray: the debit is lost.
        await Assert.ThrowsAnyAsync<Exception>(() => stale.CommitAsync(Op, 1).Within());

        Assert.Single(store.Read().Prepared);
    }

    [Fact]
    public async Task A_participant_asking_a_stale_coordinator_does_not_release_what_the_live_coordinator_commits()
    {
        var records = new SharedStore<CoordinatorRecord>(new CoordinatorRecord(), CopyRecord);
        var staleRecord = records.Load();
        var liveRecord = records.Load();
        var alice = new FakeParticipant(new ParticipantId(ParticipantKinds.Ledger, "alice"), 100, _time, keepTrail: false);
        var bob = new FakeParticipant(new ParticipantId(ParticipantKinds.Ledger, "bob"), 0, _time, keepTrail: false);
        var bobVotes = new TaskCompletionSource();
        bob.PrepareGate = bobVotes.Task;
        var participants = new Dictionary<ParticipantId, FakeParticipant> { [alice.Id] = alice, [bob.Id] = bob };
        var services = new CoordinatorServices(id => participants[id], _options, Kinds.Ledger, _time, NullLogger.Instance);
        var live = new CoordinatorProtocol(Op, liveRecord.State, liveRecord.WriteAsync, services, CancellationToken.None);
        var stale = new CoordinatorProtocol(Op, staleRecord.State, staleRecord.WriteAsync, services, CancellationToken.None);

        var execute = live.ExecuteAsync(TransactionRequest.Transfer("alice", "bob", 30) with { CreatedAt = _time.GetUtcNow() });
        Assert.Single(alice.Protocol.State.Prepared);
        // Alice's decision is overdue; her question reaches the stale coordinator activation.
        _time.Advance(_options.DecisionTimeout);
        await alice.Protocol.ResolveStaleAsync(_options.DecisionTimeout, (_, createdAt) => stale.GetDecisionAsync(createdAt)).Within();
        bobVotes.SetResult();
        var outcome = await execute.Within();
        await live.Driver!.Within();

        Assert.Equal(TransactionStatus.Committed, outcome.Status);
        Assert.Equal(70, await alice.Protocol.ReadAsync(a => a.Balance).Within());
        Assert.Equal(30, await bob.Protocol.ReadAsync(a => a.Balance).Within());
    }

    private static ParticipantState<LedgerAccount> CopyParticipant(ParticipantState<LedgerAccount> s) => new()
    {
        Value = new LedgerAccount { Balance = s.Value.Balance, Held = s.Value.Held, Incoming = s.Value.Incoming },
        Prepared = new Dictionary<string, PreparedRecord>(s.Prepared, StringComparer.Ordinal),
        Ended = new Dictionary<string, EndedRecord>(s.Ended, StringComparer.Ordinal),
    };

    private static CoordinatorRecord CopyRecord(CoordinatorRecord r) => new()
    {
        OperationId = r.OperationId,
        Fingerprint = r.Fingerprint,
        Request = r.Request,
        Phase = r.Phase,
        Epoch = r.Epoch,
        Decision = r.Decision,
        Reason = r.Reason,
        Votes = r.Votes?.ToList(),
        CreatedAt = r.CreatedAt,
        DecidedAt = r.DecidedAt,
        CompletedAt = r.CompletedAt,
    };
}
