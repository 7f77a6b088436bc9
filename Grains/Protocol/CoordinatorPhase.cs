namespace OrleansTwoPc.Protocol;

/// <summary>Where a coordinator's transaction stands. Persisted; never moves backwards.</summary>
public enum CoordinatorPhase
{
    /// <summary>No record: the operation id never ran here.</summary>
    None = 0,

    /// <summary>Record durable, prepares sent, no decision yet. Recovery presumes abort.</summary>
    Preparing = 1,

    /// <summary>Commit decision durable; telling participants to apply.</summary>
    Committing = 2,

    /// <summary>Abort decision durable; telling participants to release.</summary>
    Aborting = 3,

    /// <summary>Every participant acknowledged the decision; nothing left to do.</summary>
    Completed = 4,
}
