namespace OrleansTwoPc;

/// <summary>The answer for an operation id: its status and, once decided, how it ended.</summary>
[GenerateSerializer, Immutable, Alias("twopc.transaction-outcome")]
public sealed record TransactionOutcome
{
    [Id(0)] public required string OperationId { get; init; }
    [Id(1)] public required TransactionStatus Status { get; init; }

    /// <summary>Set when <see cref="Status"/> is <see cref="TransactionStatus.Aborted"/>.</summary>
    [Id(2)] public AbortReason? Reason { get; init; }

    /// <summary>When the decision became durable; null until decided.</summary>
    [Id(3)] public DateTimeOffset? DecidedAt { get; init; }

    /// <summary>Whether this answer was replayed from the stored record rather than produced by this call's execution.</summary>
    [Id(4)] public bool Replayed { get; init; }

    /// <summary>
    /// When every participant had applied (or released) the decision. The caller is answered once the decision is
    /// durable, which can be a moment before this; reads of participants show the effect from then on.
    /// </summary>
    [Id(5)] public DateTimeOffset? CompletedAt { get; init; }

    public bool IsCompleted => CompletedAt is not null;

    public bool IsDecided => Status is TransactionStatus.Committed or TransactionStatus.Aborted;

    public override string ToString() => Reason is null ? $"{OperationId}: {Status}" : $"{OperationId}: {Status} ({Reason})";
}
