namespace OrleansTwoPc.Protocol;

/// <summary>
/// The coordinator's durable record of one operation id. Storage contract: a write either lands whole or not at all,
/// and is rejected when another activation wrote since this one read (ETag). After a failed write the activation
/// does not know which, so it deactivates and the next one reads the truth.
/// </summary>
[GenerateSerializer, Alias("twopc.coordinator-record")]
public sealed class CoordinatorRecord
{
    [Id(0)] public string? OperationId { get; set; }

    /// <summary>SHA-256 of the canonical request; a different request under the same id is a conflict.</summary>
    [Id(1)] public string? Fingerprint { get; set; }

    [Id(2)] public TransactionRequest? Request { get; set; }

    [Id(3)] public CoordinatorPhase Phase { get; set; }

    /// <summary>
    /// The attempt number: 1 for the first run, bumped and made durable by every activation that resumes the record.
    /// Participants refuse messages from an attempt older than one they have seen.
    /// </summary>
    [Id(4)] public long Epoch { get; set; }

    /// <summary>Committed or Aborted once decided (and forever after); InProgress before.</summary>
    [Id(5)] public TransactionStatus Decision { get; set; }

    [Id(6)] public AbortReason? Reason { get; set; }

    /// <summary>Each participant's vote, in request order, recorded with the decision (null entries: no vote).</summary>
    [Id(7)] public List<Vote?>? Votes { get; set; }

    /// <summary>When the caller created the operation id (its clock): from a time-ordered id or the request.</summary>
    [Id(8)] public DateTimeOffset CreatedAt { get; set; }

    [Id(9)] public DateTimeOffset? DecidedAt { get; set; }

    [Id(10)] public DateTimeOffset? CompletedAt { get; set; }

    public bool IsDecided => Decision is TransactionStatus.Committed or TransactionStatus.Aborted;

    public bool IsOnePhase => Request?.Operations.Count == 1;

    /// <summary>None → Preparing, attempt 1. <paramref name="createdAt"/> is the operation id's creation time.</summary>
    public void Begin(string operationId, TransactionRequest request, string fingerprint, DateTimeOffset createdAt)
    {
        Invariant.That(Phase == CoordinatorPhase.None, $"{operationId}: begin on a record in phase {Phase}");
        OperationId = operationId;
        Request = request;
        Fingerprint = fingerprint;
        Phase = CoordinatorPhase.Preparing;
        Decision = TransactionStatus.InProgress;
        Epoch = 1;
        CreatedAt = createdAt;
    }

    /// <summary>
    /// None → Completed, aborted with reason <c>no-record</c>: a participant holds a prepared record of an id this
    /// coordinator has no record of; presumed abort, written down so that no later run of the id can commit.
    /// </summary>
    public void PresumeAbort(string operationId, DateTimeOffset createdAt, DateTimeOffset now)
    {
        Invariant.That(Phase == CoordinatorPhase.None, $"{operationId}: presumed abort of a record in phase {Phase}");
        OperationId = operationId;
        Phase = CoordinatorPhase.Completed;
        Decision = TransactionStatus.Aborted;
        Reason = new AbortReason(AbortCodes.NoRecord,
            "asked for its decision (by a participant holding a prepared record, or by the recovery sweep), this operation id had no coordinator record (expired, or never begun here); presumed abort");
        Epoch = 1;
        CreatedAt = createdAt;
        DecidedAt = now;
        CompletedAt = now;
    }

    /// <summary>A new activation resumes an unfinished record: a new attempt, so older attempts are fenced.</summary>
    public void NewAttempt()
    {
        Invariant.That(Phase is CoordinatorPhase.Preparing or CoordinatorPhase.Committing or CoordinatorPhase.Aborting,
            $"{OperationId}: new attempt in phase {Phase}");
        Epoch++;
    }

    /// <summary>Preparing → Committing/Aborting (or straight to Completed when every participant already ended).</summary>
    public void Decide(bool commit, AbortReason? reason, IReadOnlyList<Vote?>? votes, DateTimeOffset now, bool participantsDone)
    {
        Invariant.That(Phase == CoordinatorPhase.Preparing, $"{OperationId}: a decision never changes; phase is {Phase}");
        Invariant.That(commit == (reason is null), $"{OperationId}: commit has no reason, abort has one");
        Invariant.That(!commit || votes is null || votes.All(v => v is { IsYes: true }),
            $"{OperationId}: commit needs a yes vote from every participant");
        Decision = commit ? TransactionStatus.Committed : TransactionStatus.Aborted;
        Reason = reason;
        Votes = votes?.ToList();
        DecidedAt = now;
        Phase = participantsDone ? CoordinatorPhase.Completed
            : commit ? CoordinatorPhase.Committing : CoordinatorPhase.Aborting;
        if (participantsDone)
        {
            CompletedAt = now;
        }
    }

    /// <summary>Committing/Aborting → Completed.</summary>
    public void Complete(DateTimeOffset now)
    {
        Invariant.That(Phase is CoordinatorPhase.Committing or CoordinatorPhase.Aborting,
            $"{OperationId}: complete in phase {Phase}");
        Phase = CoordinatorPhase.Completed;
        CompletedAt = now;
    }

    public TransactionOutcome ToOutcome(string operationId, bool replayed) => new()
    {
        OperationId = operationId,
        Status = Phase == CoordinatorPhase.None ? TransactionStatus.Unknown : Decision,
        Reason = Reason,
        DecidedAt = DecidedAt,
        CompletedAt = CompletedAt,
        Replayed = replayed,
    };
}
