namespace OrleansTwoPc;

/// <summary>
/// The protocol side of every participant kind. The <c>epoch</c> parameter is the coordinator's attempt number for the
/// transaction: a message from an older attempt never applies to a newer one.
/// </summary>
public interface IParticipantGrain : IGrainWithStringKey
{
    /// <summary>
    /// Phase 1: validate and reserve, make the prepared record durable, then vote. <paramref name="createdAt"/> is the
    /// operation id's creation time: an operation older than the retention period is refused as expired.
    /// </summary>
    Task<Vote> Prepare(string operationId, long epoch, DateTimeOffset createdAt, ParticipantOperation operation);

    /// <summary>Phase 2 after a durable commit decision: apply the prepared operation. Idempotent.</summary>
    Task Commit(string operationId, long epoch);

    /// <summary>
    /// Phase 2 after an abort decision (or presumed abort): release the reservation and remember the abort so a late
    /// prepare of the same transaction is refused. Idempotent. Returns <see cref="TransactionStatus.Committed"/> only
    /// when the transaction already committed here in one phase, which tells a recovering coordinator the truth.
    /// </summary>
    Task<TransactionStatus> Abort(string operationId, long epoch);

    /// <summary>The single-participant path: validate and apply in one durable write. Deduplicated by operation id.</summary>
    Task<Vote> CommitOnePhase(string operationId, long epoch, DateTimeOffset createdAt, ParticipantOperation operation);

    /// <summary>
    /// Sent by the coordinator after it recorded completion: drop the ended record of the operation (unless the silo
    /// keeps an audit trail). One-way: a lost message only keeps the record until retention drops it.
    /// </summary>
    [Orleans.Concurrency.OneWay]
    Task Forget(string operationId);
}
