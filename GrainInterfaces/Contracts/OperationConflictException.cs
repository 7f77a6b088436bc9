namespace OrleansTwoPc;

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
