namespace OrleansTwoPc;

/// <summary>
/// The outcome is not known: the client's deadline passed while the cluster was unreachable or the transaction
/// was still undecided. Retry with the same operation id, or query its status, to learn the outcome.
/// </summary>
public sealed class OutcomeUnknownException : Exception
{
    public OutcomeUnknownException(string operationId, Exception? lastError)
        : base($"outcome of operation id '{operationId}' is unknown: the deadline passed; retry with the same id or query its status", lastError)
        => OperationId = operationId;

    public OutcomeUnknownException() : this("?", null)
    {
    }

    public string OperationId { get; }
}
