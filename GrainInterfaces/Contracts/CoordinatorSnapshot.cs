namespace OrleansTwoPc;

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
