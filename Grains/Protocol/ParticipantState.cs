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
