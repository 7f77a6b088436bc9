namespace OrleansTwoPc;

/// <summary>An operation id that has not completed yet, as the recovery registry knows it.</summary>
[GenerateSerializer, Immutable, Alias("twopc.pending-operation")]
public sealed record PendingOperation([property: Id(0)] string OperationId, [property: Id(1)] DateTimeOffset StartedAt);
