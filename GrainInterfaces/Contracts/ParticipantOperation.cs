namespace OrleansTwoPc;

/// <summary>
/// One participant's part of a transaction: which participant (kind + key) and what to do there.
/// </summary>
/// <remarks>
/// The kind is the Orleans grain type of the participant (for example <c>ledger</c> or <c>inventory</c>),
/// so a participant is addressed as <c>GrainId.Create(Kind, Key)</c>.
/// </remarks>
[GenerateSerializer, Immutable, Alias("twopc.participant-operation")]
public sealed record ParticipantOperation
{
    public ParticipantOperation(string kind, string key, string action, long amount)
    {
        Kind = kind;
        Key = key;
        Action = action;
        Amount = amount;
    }

    /// <summary>The participant kind, e.g. <c>ledger</c>.</summary>
    [Id(0)] public string Kind { get; init; }

    /// <summary>The participant key within its kind, e.g. an account name.</summary>
    [Id(1)] public string Key { get; init; }

    /// <summary>The kind-specific action, e.g. <c>credit</c> or <c>debit</c>.</summary>
    [Id(2)] public string Action { get; init; }

    /// <summary>A positive amount in the participant's unit (cents, items).</summary>
    [Id(3)] public long Amount { get; init; }

    /// <summary>The participant this operation addresses.</summary>
    public ParticipantId Participant => new(Kind, Key);

    public override string ToString() => $"{Kind}/{Key}:{Action}({Amount})";
}
