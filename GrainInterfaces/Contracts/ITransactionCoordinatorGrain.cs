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
    /// creation time, as the participant has it) or for the recovery sweep (the entry's registration time). Never "unknown": with no record, the coordinator first makes a
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
