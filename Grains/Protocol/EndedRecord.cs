namespace OrleansTwoPc.Protocol;

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
