using System.Security.Cryptography;
using System.Text;

namespace OrleansTwoPc;

/// <summary>
/// What a caller asks to happen atomically: one operation per participant.
/// The caller's operation id is not part of the request: it is the coordinator grain's key.
/// </summary>
[GenerateSerializer, Immutable, Alias("twopc.transaction-request")]
public sealed record TransactionRequest
{
    public TransactionRequest(IReadOnlyList<ParticipantOperation> operations) => Operations = operations;

    public TransactionRequest(params ParticipantOperation[] operations) => Operations = operations;

    [Id(0)] public IReadOnlyList<ParticipantOperation> Operations { get; init; }

    /// <summary>
    /// When the caller created this operation id (its clock). Set it once, when the id is made, and keep it with the
    /// id: every retry, also one by a restarted caller days later, must carry the same value. A request older than the
    /// service's retention period is refused as expired instead of executed, because its dedupe records may be gone.
    /// Required unless the operation id is time-ordered (<see cref="OperationIds"/>), which carries its own time. Not
    /// part of the fingerprint.
    /// </summary>
    [Id(1)] public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>A transfer between two ledger accounts.</summary>
    public static TransactionRequest Transfer(string from, string to, long amount) => new(
        new ParticipantOperation(ParticipantKinds.Ledger, from, LedgerActions.Debit, amount),
        new ParticipantOperation(ParticipantKinds.Ledger, to, LedgerActions.Credit, amount));

    /// <summary>A deposit into one ledger account (a one-phase transaction).</summary>
    public static TransactionRequest Deposit(string account, long amount) => new(
        new ParticipantOperation(ParticipantKinds.Ledger, account, LedgerActions.Credit, amount));

    /// <summary>
    /// SHA-256 of the canonical form: operations sorted by participant, one line each. Two requests with the same
    /// operations in another order are the same request, since the transaction is atomic over all of them.
    /// </summary>
    public string Fingerprint()
    {
        var canonical = new StringBuilder();
        foreach (var op in Operations.OrderBy(o => o.Kind, StringComparer.Ordinal).ThenBy(o => o.Key, StringComparer.Ordinal))
        {
            canonical.Append(op.Kind).Append('\n').Append(op.Key).Append('\n')
                .Append(op.Action).Append('\n').Append(op.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }

    public override string ToString() => string.Join(", ", Operations);
}
