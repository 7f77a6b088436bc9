using System.Security.Cryptography;
using System.Text;

namespace OrleansTwoPc;

/// <summary>Actions of the <see cref="ParticipantKinds.Ledger"/> kind.</summary>
public static class LedgerActions
{
    public const string Credit = "credit";
    public const string Debit = "debit";
}
