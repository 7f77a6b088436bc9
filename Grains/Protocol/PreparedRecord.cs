namespace OrleansTwoPc.Protocol;

/// <summary>A prepared (voted yes, undecided) operation, with the creation time of its operation id.</summary>
[GenerateSerializer, Immutable, Alias("twopc.prepared-record")]
public sealed record PreparedRecord(
    [property: Id(0)] long Epoch,
    [property: Id(1)] ParticipantOperation Operation,
    [property: Id(2)] DateTimeOffset PreparedAt,
    [property: Id(3)] DateTimeOffset? CreatedAt = null);
