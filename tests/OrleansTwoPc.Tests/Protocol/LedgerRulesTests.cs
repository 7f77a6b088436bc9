using OrleansTwoPc.Participants;
using OrleansTwoPc.Protocol;
using Xunit;

namespace OrleansTwoPc.Tests.Protocol;

public class LedgerRulesTests
{
    private readonly LedgerRules _rules = new();

    private static ParticipantOperation Debit(long amount) => new(ParticipantKinds.Ledger, "acct", LedgerActions.Debit, amount);

    private static ParticipantOperation Credit(long amount) => new(ParticipantKinds.Ledger, "acct", LedgerActions.Credit, amount);

    private static void AssertAccount(LedgerAccount account, long balance, long held, long incoming)
    {
        Assert.Equal(balance, account.Balance);
        Assert.Equal(held, account.Held);
        Assert.Equal(incoming, account.Incoming);
    }

    [Fact]
    public void Kind_and_actions_are_the_ledger_contract()
    {
        Assert.Equal(ParticipantKinds.Ledger, _rules.Kind);
        Assert.True(_rules.Actions.SetEquals([LedgerActions.Credit, LedgerActions.Debit]));
    }

    [Fact]
    public void Reserving_a_debit_holds_funds_without_moving_the_balance()
    {
        var account = new LedgerAccount { Balance = 100 };
        var vote = _rules.Reserve(account, Debit(30));
        Assert.True(vote.IsYes);
        AssertAccount(account, balance: 100, held: 30, incoming: 0);
        _rules.CheckInvariants(account);
    }

    [Fact]
    public void Applying_a_debit_moves_the_balance_and_drops_the_hold()
    {
        var account = new LedgerAccount { Balance = 100 };
        _rules.Reserve(account, Debit(30));
        _rules.Apply(account, Debit(30));
        AssertAccount(account, balance: 70, held: 0, incoming: 0);
        _rules.CheckInvariants(account);
    }

    [Fact]
    public void Releasing_a_debit_drops_the_hold_and_keeps_the_balance()
    {
        var account = new LedgerAccount { Balance = 100 };
        _rules.Reserve(account, Debit(30));
        _rules.Release(account, Debit(30));
        AssertAccount(account, balance: 100, held: 0, incoming: 0);
        _rules.CheckInvariants(account);
    }

    [Fact]
    public void Reserving_a_credit_counts_it_as_incoming_without_moving_the_balance()
    {
        var account = new LedgerAccount { Balance = 100 };
        Assert.True(_rules.Reserve(account, Credit(25)).IsYes);
        AssertAccount(account, balance: 100, held: 0, incoming: 25);
        _rules.CheckInvariants(account);
    }

    [Fact]
    public void Applying_a_credit_moves_the_balance()
    {
        var account = new LedgerAccount { Balance = 100 };
        _rules.Reserve(account, Credit(25));
        _rules.Apply(account, Credit(25));
        AssertAccount(account, balance: 125, held: 0, incoming: 0);
        _rules.CheckInvariants(account);
    }

    [Fact]
    public void Releasing_a_credit_drops_the_incoming()
    {
        var account = new LedgerAccount { Balance = 100 };
        _rules.Reserve(account, Credit(25));
        _rules.Release(account, Credit(25));
        AssertAccount(account, balance: 100, held: 0, incoming: 0);
        _rules.CheckInvariants(account);
    }

    [Fact]
    public void Debit_of_the_whole_balance_is_allowed()
    {
        var account = new LedgerAccount { Balance = 100 };
        Assert.True(_rules.Reserve(account, Debit(100)).IsYes);
        _rules.Apply(account, Debit(100));
        AssertAccount(account, balance: 0, held: 0, incoming: 0);
        _rules.CheckInvariants(account);
    }

    [Fact]
    public void Debit_beyond_the_balance_votes_insufficient_funds_and_changes_nothing()
    {
        var account = new LedgerAccount { Balance = 100 };
        var vote = _rules.Reserve(account, Debit(101));
        Assert.False(vote.IsYes);
        Assert.Equal(AbortCodes.InsufficientFunds, vote.Reason!.Code);
        Assert.True(vote.Reason.IsBusinessRule);
        Assert.Contains("100 available", vote.Reason.Message, StringComparison.Ordinal);
        AssertAccount(account, balance: 100, held: 0, incoming: 0);
        _rules.CheckInvariants(account);
    }

    [Fact]
    public void Held_funds_are_not_available_to_another_debit()
    {
        var account = new LedgerAccount { Balance = 100 };
        Assert.True(_rules.Reserve(account, Debit(60)).IsYes);
        var vote = _rules.Reserve(account, Debit(50));
        Assert.Equal(AbortCodes.InsufficientFunds, vote.Reason?.Code);
        Assert.Contains("40 available", vote.Reason!.Message, StringComparison.Ordinal);
        AssertAccount(account, balance: 100, held: 60, incoming: 0);
        Assert.True(_rules.Reserve(account, Debit(40)).IsYes, "the rest of the balance is still available");
        AssertAccount(account, balance: 100, held: 100, incoming: 0);
        _rules.CheckInvariants(account);
    }

    [Fact]
    public void Incoming_credit_is_not_available_to_a_debit_before_it_commits()
    {
        var account = new LedgerAccount { Balance = 0 };
        _rules.Reserve(account, Credit(50));
        var vote = _rules.Reserve(account, Debit(10));
        Assert.Equal(AbortCodes.InsufficientFunds, vote.Reason?.Code);
        AssertAccount(account, balance: 0, held: 0, incoming: 50);
    }

    [Fact]
    public void Credit_up_to_the_maximum_balance_is_allowed()
    {
        var account = new LedgerAccount { Balance = LedgerRules.MaxBalance - 10 };
        Assert.True(_rules.Reserve(account, Credit(10)).IsYes);
        _rules.Apply(account, Credit(10));
        Assert.Equal(LedgerRules.MaxBalance, account.Balance);
        _rules.CheckInvariants(account);
    }

    [Fact]
    public void Credit_past_the_maximum_balance_votes_balance_overflow_and_changes_nothing()
    {
        var account = new LedgerAccount { Balance = LedgerRules.MaxBalance - 10 };
        var vote = _rules.Reserve(account, Credit(11));
        Assert.False(vote.IsYes);
        Assert.Equal(AbortCodes.BalanceOverflow, vote.Reason!.Code);
        Assert.True(vote.Reason.IsBusinessRule);
        AssertAccount(account, balance: LedgerRules.MaxBalance - 10, held: 0, incoming: 0);
        _rules.CheckInvariants(account);
    }

    [Fact]
    public void Incoming_credits_count_against_the_maximum_balance()
    {
        var account = new LedgerAccount { Balance = LedgerRules.MaxBalance - 10 };
        Assert.True(_rules.Reserve(account, Credit(6)).IsYes);
        var vote = _rules.Reserve(account, Credit(5));
        Assert.Equal(AbortCodes.BalanceOverflow, vote.Reason?.Code);
        AssertAccount(account, balance: LedgerRules.MaxBalance - 10, held: 0, incoming: 6);
        _rules.CheckInvariants(account);
    }

    [Fact]
    public void Credit_of_the_maximum_amount_does_not_overflow_near_the_ceiling()
    {
        var account = new LedgerAccount { Balance = LedgerRules.MaxBalance, Incoming = 0 };
        var vote = _rules.Reserve(account, Credit(RequestLimits.MaxAmount));
        Assert.Equal(AbortCodes.BalanceOverflow, vote.Reason?.Code);
        Assert.Equal(LedgerRules.MaxBalance, account.Balance);
    }

    [Fact]
    public void Interleaved_reserves_then_mixed_decisions_keep_the_books_straight()
    {
        var account = new LedgerAccount { Balance = 1_000 };
        _rules.Reserve(account, Debit(100));
        _rules.Reserve(account, Debit(200));
        _rules.Reserve(account, Credit(50));
        _rules.Reserve(account, Credit(70));
        _rules.CheckInvariants(account);
        AssertAccount(account, balance: 1_000, held: 300, incoming: 120);

        _rules.Apply(account, Debit(200));
        _rules.Release(account, Debit(100));
        _rules.Apply(account, Credit(70));
        _rules.Release(account, Credit(50));
        _rules.CheckInvariants(account);
        AssertAccount(account, balance: 870, held: 0, incoming: 0);
    }

    [Fact]
    public void Fresh_account_satisfies_the_invariants() => _rules.CheckInvariants(new LedgerAccount());

    [Theory]
    [InlineData(-1L, 0L, 0L)] // negative balance
    [InlineData(10L, -1L, 0L)] // negative hold
    [InlineData(10L, 11L, 0L)] // holds more than the balance
    [InlineData(10L, 0L, -1L)] // negative incoming
    [InlineData(LedgerRules.MaxBalance, 0L, 1L)] // incoming past the ceiling
    [InlineData(LedgerRules.MaxBalance + 1, 0L, 0L)] // balance past the ceiling
    public void Broken_account_fails_the_invariant_check(long balance, long held, long incoming)
    {
        var account = new LedgerAccount { Balance = balance, Held = held, Incoming = incoming };
        Assert.Throws<ProtocolInvariantException>(() => _rules.CheckInvariants(account));
    }
}
