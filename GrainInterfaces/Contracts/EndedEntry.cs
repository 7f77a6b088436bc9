namespace OrleansTwoPc;

[GenerateSerializer, Immutable, Alias("twopc.ended-entry")]
public sealed record EndedEntry(
    [property: Id(0)] string OperationId,
    [property: Id(1)] bool Committed,
    [property: Id(2)] ParticipantOperation? Operation,
    [property: Id(3)] DateTimeOffset EndedAt);
