namespace OrleansTwoPc;

[GenerateSerializer, Immutable, Alias("twopc.prepared-entry")]
public sealed record PreparedEntry(
    [property: Id(0)] string OperationId,
    [property: Id(1)] long Epoch,
    [property: Id(2)] ParticipantOperation Operation,
    [property: Id(3)] DateTimeOffset PreparedAt);
