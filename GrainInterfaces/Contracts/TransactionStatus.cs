namespace OrleansTwoPc;

/// <summary>The one status vocabulary of an operation id, as the caller sees it.</summary>
public enum TransactionStatus
{
    /// <summary>No record of this operation id: it never ran (or its record expired).</summary>
    Unknown = 0,

    /// <summary>Started and not yet decided; the outcome is not known yet.</summary>
    InProgress = 1,

    /// <summary>Decided commit: every participant applies its operation, exactly once.</summary>
    Committed = 2,

    /// <summary>Decided abort: no participant applies anything.</summary>
    Aborted = 3,
}

/// <summary>Why a transaction aborted. Codes are stable strings a caller can switch on.</summary>
[GenerateSerializer, Immutable, Alias("twopc.abort-reason")]
public sealed record AbortReason([property: Id(0)] string Code, [property: Id(1)] string Message)
{
    /// <summary>A participant refused its operation by a business rule (funds, stock, capacity).</summary>
    public bool IsBusinessRule => Code is AbortCodes.InsufficientFunds or AbortCodes.InsufficientStock
        or AbortCodes.CapacityExceeded or AbortCodes.BalanceOverflow;

    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>Stable abort codes.</summary>
public static class AbortCodes
{
    public const string InsufficientFunds = "insufficient-funds";
    public const string InsufficientStock = "insufficient-stock";
    public const string CapacityExceeded = "capacity-exceeded";
    public const string BalanceOverflow = "balance-overflow";

    /// <summary>A participant did not vote within the prepare timeout.</summary>
    public const string PrepareTimeout = "prepare-timeout";

    /// <summary>A participant could not be reached or failed while preparing.</summary>
    public const string ParticipantFailed = "participant-failed";

    /// <summary>The coordinator lost its activation before deciding; presumed abort.</summary>
    public const string CoordinatorRecovered = "coordinator-recovered";

    /// <summary>An operator aborted the undecided transaction.</summary>
    public const string OperatorAbort = "operator-abort";

    /// <summary>A participant holds too many prepared operations already (back-pressure); retry later under a new id.</summary>
    public const string ParticipantBusy = "participant-busy";

    /// <summary>A participant saw a newer attempt of this transaction, or the transaction already ended there.</summary>
    public const string Fenced = "fenced";

    /// <summary>
    /// A participant was asked to prepare or commit an operation created longer ago than the retention period: its
    /// records may be gone, so it is never run (a message that late is from an attempt long decided).
    /// </summary>
    public const string Expired = "expired";

    /// <summary>
    /// A participant holding a prepared record asked about an operation id that has no coordinator record (it
    /// expired, or it never began here): presumed abort, made durable before the participant was told.
    /// </summary>
    public const string NoRecord = "no-record";
}

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
