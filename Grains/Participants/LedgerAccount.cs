using Orleans.Runtime;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Protocol;

namespace OrleansTwoPc.Participants;

/// <summary>A ledger account's value: the committed balance, and what prepared operations hold.</summary>
[GenerateSerializer, Alias("twopc.ledger-account")]
public sealed class LedgerAccount
{
    /// <summary>Committed balance. Reads show only this.</summary>
    [Id(0)] public long Balance { get; set; }

    /// <summary>Sum of prepared debits: held, so a concurrent debit cannot spend it too.</summary>
    [Id(1)] public long Held { get; set; }

    /// <summary>Sum of prepared credits: counted against the balance ceiling.</summary>
    [Id(2)] public long Incoming { get; set; }

    public override string ToString() => $"balance={Balance} held={Held} incoming={Incoming}";
}
