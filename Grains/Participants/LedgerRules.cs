using Orleans.Runtime;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Protocol;

namespace OrleansTwoPc.Participants;

/// <summary>
/// Ledger rules: a debit holds funds at prepare (so concurrent transfers on one account proceed while funds
/// suffice), a credit is checked against the ceiling; commit moves the money, abort releases the hold.
/// </summary>
public sealed class LedgerRules : ParticipantRules<LedgerAccount>
{
    /// <summary>Highest balance an account may reach.</summary>
    public const long MaxBalance = 1_000_000_000_000_000_000;

    private static readonly IReadOnlySet<string> ActionSet = new HashSet<string>([LedgerActions.Credit, LedgerActions.Debit]);

    public override string Kind => ParticipantKinds.Ledger;

    public override IReadOnlySet<string> Actions => ActionSet;

    public override Vote Reserve(LedgerAccount value, ParticipantOperation operation)
    {
        if (operation.Action == LedgerActions.Debit)
        {
            var available = value.Balance - value.Held;
            if (available < operation.Amount)
            {
                return Vote.No(AbortCodes.InsufficientFunds,
                    $"{operation.Participant} has {available} available, needs {operation.Amount}");
            }

            value.Held += operation.Amount;
        }
        else
        {
            if (value.Balance + value.Incoming > MaxBalance - operation.Amount)
            {
                return Vote.No(AbortCodes.BalanceOverflow, $"{operation.Participant} would exceed the maximum balance {MaxBalance}");
            }

            value.Incoming += operation.Amount;
        }

        return Vote.Yes;
    }

    public override void Apply(LedgerAccount value, ParticipantOperation operation)
    {
        if (operation.Action == LedgerActions.Debit)
        {
            value.Held -= operation.Amount;
            value.Balance -= operation.Amount;
        }
        else
        {
            value.Incoming -= operation.Amount;
            value.Balance += operation.Amount;
        }
    }

    public override void Release(LedgerAccount value, ParticipantOperation operation)
    {
        if (operation.Action == LedgerActions.Debit)
        {
            value.Held -= operation.Amount;
        }
        else
        {
            value.Incoming -= operation.Amount;
        }
    }

    public override void CheckInvariants(LedgerAccount value)
    {
        Invariant.That(value.Balance >= 0, $"ledger balance {value.Balance} is negative");
        Invariant.That(value.Held >= 0 && value.Held <= value.Balance, $"ledger holds {value.Held} of balance {value.Balance}");
        Invariant.That(value.Incoming >= 0 && value.Balance + value.Incoming <= MaxBalance, $"ledger incoming {value.Incoming} out of range");
    }
}
