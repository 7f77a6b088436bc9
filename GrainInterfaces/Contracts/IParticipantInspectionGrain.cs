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
