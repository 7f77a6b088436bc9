namespace OrleansTwoPc;

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
