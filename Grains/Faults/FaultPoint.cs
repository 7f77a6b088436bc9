namespace OrleansTwoPc.Faults;

/// <summary>
/// Named points in the protocol where a test can crash a silo or stall a grain. Each is hit right after the step's
/// durable write, before the step's next message, which is where a crash is most instructive.
/// </summary>
internal enum FaultPoint
{
    /// <summary>Coordinator: the Preparing record is durable; no prepare has been sent.</summary>
    CoordinatorRecordWritten,

    /// <summary>Participant: the prepared record is durable; the yes vote has not been sent.</summary>
    PrepareWritten,

    /// <summary>Coordinator: the decision is durable; the caller has not been answered, phase 2 not started.</summary>
    DecisionWritten,

    /// <summary>Coordinator: the first participant acknowledged the decision; the others may not have.</summary>
    CommitFanOut,

    /// <summary>Participant: the commit is applied and durable; the acknowledgement has not been sent.</summary>
    ParticipantApplied,

    /// <summary>Coordinator: Completed is durable.</summary>
    CompletionRecorded,
}
