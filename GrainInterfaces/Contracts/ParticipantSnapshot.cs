namespace OrleansTwoPc;

[GenerateSerializer, Immutable, Alias("twopc.participant-snapshot")]
public sealed record ParticipantSnapshot
{
    [Id(0)] public required string Kind { get; init; }
    [Id(1)] public required string Key { get; init; }

    /// <summary>
    /// The committed value and its reservations, as the kind describes them: its <c>ToString()</c> when the value type
    /// overrides it (e.g. <c>balance=70 held=0 incoming=0</c>), else <see cref="ValueJson"/>.
    /// </summary>
    [Id(2)] public required string Value { get; init; }

    [Id(3)] public required IReadOnlyList<PreparedEntry> Prepared { get; init; }

    /// <summary>Ended transactions (empty unless asked for).</summary>
    [Id(4)] public required IReadOnlyList<EndedEntry> Ended { get; init; }

    /// <summary>How many ended transactions the participant remembers.</summary>
    [Id(5)] public int EndedCount { get; init; }

    /// <summary>The value as JSON (System.Text.Json's default rules), for any kind; <c>null</c> when it cannot be written as JSON.</summary>
    [Id(6)] public string ValueJson { get; init; } = "null";
}
