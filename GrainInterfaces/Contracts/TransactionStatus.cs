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
