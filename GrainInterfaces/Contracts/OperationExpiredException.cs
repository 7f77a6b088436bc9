namespace OrleansTwoPc;

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
