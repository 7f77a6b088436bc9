namespace OrleansTwoPc;

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
