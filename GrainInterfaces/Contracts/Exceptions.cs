namespace OrleansTwoPc;

/// <summary>A request broke a validation rule. Nothing was stored or changed. Retrying the same request cannot help.</summary>
[GenerateSerializer, Alias("twopc.invalid-request")]
public sealed class InvalidRequestException : Exception
{
    public InvalidRequestException(string field, string rule) : base($"{field}: {rule}")
    {
        Field = field;
        Rule = rule;
    }

    public InvalidRequestException() : this("request", "invalid")
    {
    }

    public InvalidRequestException(string message, Exception innerException) : base(message, innerException)
    {
        Field = "request";
        Rule = message;
    }

    /// <summary>The offending field, e.g. <c>operations[1].amount</c> or <c>operationId</c>.</summary>
    [Id(0)] public string Field { get; private set; }

    /// <summary>The rule it broke, in words.</summary>
    [Id(1)] public string Rule { get; private set; }
}

/// <summary>
/// The operation id already ran (or is running) with a different request. Nothing changed. Use a new operation id.
/// </summary>
[GenerateSerializer, Alias("twopc.operation-conflict")]
public sealed class OperationConflictException : Exception
{
    public OperationConflictException(string operationId)
        : base($"operation id '{operationId}' was already used with a different request; nothing was changed")
        => OperationId = operationId;

    public OperationConflictException() : this("?")
    {
    }

    public OperationConflictException(string message, Exception innerException) : base(message, innerException)
        => OperationId = "?";

    [Id(0)] public string OperationId { get; private set; }
}

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

/// <summary>
/// The request was created longer ago than the service keeps operation records, so it is refused rather than risk
/// running twice. Nothing changed. Submit it again under a new operation id if it is still wanted.
/// </summary>
[GenerateSerializer, Alias("twopc.operation-expired")]
public sealed class OperationExpiredException : Exception
{
    public OperationExpiredException(string operationId, DateTimeOffset createdAt, TimeSpan retention)
        : base($"operation id '{operationId}' was created at {createdAt:O}, longer ago than the retention period ({retention}); refused, nothing changed")
        => OperationId = operationId;

    public OperationExpiredException() : this("?", default, default)
    {
    }

    public OperationExpiredException(string message, Exception innerException) : base(message, innerException)
        => OperationId = "?";

    [Id(0)] public string OperationId { get; private set; }
}

/// <summary>An operator action was refused: e.g. an abort of a transaction whose decision is already durable.</summary>
[GenerateSerializer, Alias("twopc.operator-action-refused")]
public sealed class OperatorActionRefusedException : Exception
{
    public OperatorActionRefusedException(string message) : base(message)
    {
    }

    public OperatorActionRefusedException() : this("refused")
    {
    }

    public OperatorActionRefusedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
