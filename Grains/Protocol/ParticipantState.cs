namespace OrleansTwoPc.Protocol;

/// <summary>
/// A participant's durable state: the kind's business value (with its reservations), the prepared records waiting
/// for a decision, and the trail of transactions that ended here (the dedupe records).
/// Storage contract as for <see cref="CoordinatorRecord"/>: whole or nothing, fenced by ETag; a prepared record is
/// durable before the participant votes yes, and an ended record is durable before it acknowledges.
/// </summary>
[GenerateSerializer, Alias("twopc.participant-state")]
public sealed class ParticipantState<TValue> where TValue : new()
{
    [Id(0)] public TValue Value { get; set; } = new();

    /// <summary>Operation id → prepared record. Only the coordinator's decision removes one, never a timeout.</summary>
    [Id(1)] public Dictionary<string, PreparedRecord> Prepared { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Operation id → how it ended here. Answers duplicates and fences late prepares.</summary>
    [Id(2)] public Dictionary<string, EndedRecord> Ended { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A prepared (voted yes, undecided) operation, with the creation time of its operation id.</summary>
[GenerateSerializer, Immutable, Alias("twopc.prepared-record")]
public sealed record PreparedRecord(
    [property: Id(0)] long Epoch,
    [property: Id(1)] ParticipantOperation Operation,
    [property: Id(2)] DateTimeOffset PreparedAt,
    [property: Id(3)] DateTimeOffset? CreatedAt = null);

/// <summary>
/// A transaction that ended at this participant: committed (with its operation and creation time) or aborted.
/// A <see cref="Fence"/> is an abort that found no prepared record here: the prepare or one-phase commit it
/// answers may still be on its way, so the record outlives forgetting and is dropped only by retention, when any
/// message of that operation is refused as expired anyway.
/// </summary>
[GenerateSerializer, Immutable, Alias("twopc.ended-record")]
public sealed record EndedRecord(
    [property: Id(0)] bool Committed,
    [property: Id(1)] long Epoch,
    [property: Id(2)] ParticipantOperation? Operation,
    [property: Id(3)] DateTimeOffset EndedAt,
    [property: Id(4)] DateTimeOffset? CreatedAt = null,
    [property: Id(5)] bool Fence = false);
