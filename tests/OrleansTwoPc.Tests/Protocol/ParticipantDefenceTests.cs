using Microsoft.Extensions.Time.Testing;
using OrleansTwoPc.Participants;
using OrleansTwoPc.Protocol;
using Xunit;

namespace OrleansTwoPc.Tests.Protocol;

/// <summary>
/// A participant defends its own state. Issue 12, hole 4: it validates every operation itself (any cluster client
/// can call it), and after a broken invariant it writes nothing more. Hole 5: after a failed write it never reports
/// anything as durable again.
/// </summary>
public class ParticipantDefenceTests
{
    private static readonly DateTimeOffset Created = Wait.Start;

    private const string Op = "def-1";

    private readonly FakeTimeProvider _time = Wait.NewClock();
    private readonly FakeWrite _store = new();

    private ParticipantProtocol<LedgerAccount> Ledger(long balance) => new(
        "alice",
        new ParticipantState<LedgerAccount> { Value = new LedgerAccount { Balance = balance } },
        new LedgerRules(), _store.WriteAsync, _time, new ParticipantSettings());

    private static ParticipantOperation Op_(string action, long amount, string key = "alice") =>
        new(ParticipantKinds.Ledger, key, action, amount);

    [Theory]
    [InlineData(LedgerActions.Debit, -5)]
    [InlineData(LedgerActions.Credit, -5)]
    [InlineData(LedgerActions.Credit, 0)]
    [InlineData(LedgerActions.Credit, RequestLimits.MaxAmount + 1)]
    public async Task A_one_phase_commit_with_a_bad_amount_is_refused_and_changes_nothing(string action, long amount)
    {
        var p = Ledger(100);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => p.CommitOnePhaseAsync(Op, 1, Created, Op_(action, amount)));

        Assert.Equal("operation.amount", error.Field);
        Assert.Equal(100, p.State.Value.Balance);
        Assert.Empty(p.State.Ended);
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task A_prepare_with_a_bad_amount_is_refused_and_changes_nothing()
    {
        var p = Ledger(100);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => p.PrepareAsync(Op, 1, Created, Op_(LedgerActions.Debit, -30)));

        Assert.Equal("operation.amount", error.Field);
        Assert.Equal(0, p.State.Value.Held);
        Assert.Empty(p.State.Prepared);
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task An_invariant_failure_poisons_the_activation_so_the_broken_state_is_never_written()
    {
        var p = Ledger(100);
        // A prepared record whose hold is missing from the value (corrupt state): applying it breaks "held >= 0".
        p.State.Prepared[Op] = new PreparedRecord(1, Op_(LedgerActions.Debit, 30), _time.GetUtcNow());

        await Assert.ThrowsAsync<ProtocolInvariantException>(() => p.CommitAsync(Op, 1));
        var writesBefore = _store.Count;
        // An abort of an unknown id changes no value, so it checks no value invariant before writing.
        var next = await Record.ExceptionAsync(() => p.AbortAsync("def-2", 1));

        Assert.NotNull(next);
        Assert.Equal(writesBefore, _store.Count);
    }

    [Fact]
    public async Task After_a_failed_write_a_read_does_not_report_the_lost_change_as_durable()
    {
        var p = Ledger(100);
        _store.FailNext(new IOException("disk gone"));

        await Assert.ThrowsAsync<IOException>(() => p.PrepareAsync(Op, 1, Created, Op_(LedgerActions.Debit, 30)));

        // The hold is in memory only; nothing that rests on it may be answered as durable.
        await Assert.ThrowsAnyAsync<Exception>(() => p.ReadAsync(a => a.Balance - a.Held));
        await Assert.ThrowsAnyAsync<Exception>(() => p.PrepareAsync(Op, 1, Created, Op_(LedgerActions.Debit, 30)));
    }
}
