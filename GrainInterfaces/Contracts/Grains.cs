namespace OrleansTwoPc;

/// <summary>
/// Runs one transaction, identified by the caller's operation id (the grain key), exactly once.
/// </summary>
public interface ITransactionCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>
    /// Executes <paramref name="request"/> under this operation id, or returns the first outcome if it already ran.
    /// Concurrent calls with the same id join the one execution.
    /// </summary>
    /// <exception cref="InvalidRequestException">The request breaks a rule; nothing was stored or changed.</exception>
    /// <exception cref="OperationConflictException">The id already ran with a different request; nothing changed.</exception>
    Task<TransactionOutcome> Execute(TransactionRequest request);

    /// <summary>
    /// The status of this operation id: unknown, in progress, committed or aborted (with the reason). Stores nothing.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<TransactionOutcome> GetStatus();

    /// <summary>
    /// The decision, for a participant holding a prepared record of this id (<paramref name="createdAt"/>: the id's
    /// creation time, as the participant has it). Never "unknown": with no record, the coordinator first makes a
    /// presumed abort durable (reason <c>no-record</c>, with a write that fails if another activation wrote), so no
    /// later run of this id can commit what the participant releases. "In progress" means ask again later.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<TransactionOutcome> GetDecision(DateTimeOffset? createdAt);

    /// <summary>The whole coordinator record, for operators.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<CoordinatorSnapshot> Inspect();

    /// <summary>
    /// Operator abort: decides abort (reason <c>operator-abort</c>) if no decision is durable yet, and returns the outcome.
    /// </summary>
    /// <exception cref="OperatorActionRefusedException">Unknown id, or the decision is already durable.</exception>
    Task<TransactionOutcome> AbortByOperator();
}

/// <summary>
/// The protocol side of every participant kind. <paramref name="epoch"/> is the coordinator's attempt number for the
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

/// <summary>An account ledger participant (<see cref="ParticipantKinds.Ledger"/>).</summary>
public interface ILedgerGrain : IParticipantGrain
{
    /// <summary>The committed balance: never includes a prepared but undecided operation.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<long> GetBalance();
}

/// <summary>An inventory item participant (<see cref="ParticipantKinds.Inventory"/>).</summary>
public interface IInventoryGrain : IParticipantGrain
{
    /// <summary>The committed stock level: never includes a prepared but undecided operation.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<long> GetStock();
}
