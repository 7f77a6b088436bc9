namespace OrleansTwoPc;

/// <summary>
/// Operator's view of a participant (any kind): its committed value, what it holds prepared, and its trail of
/// ended transactions. Implemented by every participant grain; address it as <c>GrainId.Create(kind, key)</c>.
/// </summary>
public interface IParticipantInspectionGrain : IGrainWithStringKey
{
    /// <param name="includeTrail">Also list ended transactions (can be long: it covers the retention period).</param>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<ParticipantSnapshot> Inspect(bool includeTrail);
}

[GenerateSerializer, Immutable, Alias("twopc.participant-snapshot")]
public sealed record ParticipantSnapshot
{
    [Id(0)] public required string Kind { get; init; }
    [Id(1)] public required string Key { get; init; }

    /// <summary>The committed value and its reservations, as the kind describes them (e.g. <c>balance=70 held=0 incoming=0</c>).</summary>
    [Id(2)] public required string Value { get; init; }

    [Id(3)] public required IReadOnlyList<PreparedEntry> Prepared { get; init; }

    /// <summary>Ended transactions (empty unless asked for).</summary>
    [Id(4)] public required IReadOnlyList<EndedEntry> Ended { get; init; }

    /// <summary>How many ended transactions the participant remembers.</summary>
    [Id(5)] public int EndedCount { get; init; }
}

[GenerateSerializer, Immutable, Alias("twopc.prepared-entry")]
public sealed record PreparedEntry(
    [property: Id(0)] string OperationId,
    [property: Id(1)] long Epoch,
    [property: Id(2)] ParticipantOperation Operation,
    [property: Id(3)] DateTimeOffset PreparedAt);

[GenerateSerializer, Immutable, Alias("twopc.ended-entry")]
public sealed record EndedEntry(
    [property: Id(0)] string OperationId,
    [property: Id(1)] bool Committed,
    [property: Id(2)] ParticipantOperation? Operation,
    [property: Id(3)] DateTimeOffset EndedAt);

/// <summary>Operator's view of a coordinator record: everything it knows about one operation id.</summary>
[GenerateSerializer, Immutable, Alias("twopc.coordinator-snapshot")]
public sealed record CoordinatorSnapshot
{
    [Id(0)] public required string OperationId { get; init; }

    /// <summary>None, Preparing, Committing, Aborting or Completed (see docs/protocol.md).</summary>
    [Id(1)] public required string Phase { get; init; }

    /// <summary>The durable status, as callers see it.</summary>
    [Id(2)] public required TransactionOutcome Outcome { get; init; }

    [Id(3)] public long Epoch { get; init; }
    [Id(4)] public TransactionRequest? Request { get; init; }
    [Id(5)] public string? Fingerprint { get; init; }

    /// <summary>Each participant's vote in request order: "yes", "no (code: message)", or "-" when none was cast.</summary>
    [Id(6)] public IReadOnlyList<string> Votes { get; init; } = [];

    [Id(7)] public DateTimeOffset? CreatedAt { get; init; }
}
