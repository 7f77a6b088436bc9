namespace OrleansTwoPc.Protocol;

/// <summary>
/// Asserts a participant kind's or the protocol's invariants. Use it in <see cref="ParticipantRules{TValue}.CheckInvariants"/>:
/// a broken invariant stops the transition instead of persisting a torn value.
/// </summary>
public static class Invariant
{
    /// <summary>Throws <see cref="ProtocolInvariantException"/> when <paramref name="condition"/> is false.</summary>
    public static void That(bool condition, string because)
    {
        if (!condition)
        {
            throw new ProtocolInvariantException(because);
        }
    }
}
