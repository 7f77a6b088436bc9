namespace OrleansTwoPc.Protocol;

/// <summary>
/// A protocol invariant did not hold: a bug or corrupted storage, never bad input. Kept on in production, because
/// continuing after a broken invariant is how a transaction gets torn.
/// </summary>
[GenerateSerializer, Alias("twopc.invariant-violation")]
public sealed class ProtocolInvariantException : Exception
{
    public ProtocolInvariantException(string message) : base(message)
    {
    }

    public ProtocolInvariantException() : this("protocol invariant violated")
    {
    }

    public ProtocolInvariantException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
