namespace OrleansTwoPc.Protocol;

/// <summary>
/// The business rules of one participant kind: the one class a user writes to add a kind. The protocol calls
/// <see cref="Reserve"/> in phase 1, then exactly one of <see cref="Apply"/> (commit) or <see cref="Release"/> (abort)
/// for the same operation. All three are pure functions of the value, run inside a grain turn.
/// </summary>
/// <typeparam name="TValue">The kind's persisted value, including what it holds for prepared operations.</typeparam>
public abstract class ParticipantRules<TValue> : IParticipantKind
{
    /// <inheritdoc/>
    public abstract string Kind { get; }

    /// <inheritdoc/>
    public abstract IReadOnlySet<string> Actions { get; }

    /// <summary>
    /// Checks the business rule and reserves what the operation needs, so later operations see it as taken.
    /// Returns a no vote (and leaves <paramref name="value"/> unchanged) to refuse.
    /// </summary>
    public abstract Vote Reserve(TValue value, ParticipantOperation operation);

    /// <summary>Makes a reserved operation's effect permanent. Must not fail: the decision is already durable.</summary>
    public abstract void Apply(TValue value, ParticipantOperation operation);

    /// <summary>Undoes <see cref="Reserve"/>. Must not fail.</summary>
    public abstract void Release(TValue value, ParticipantOperation operation);

    /// <summary>Asserts the kind's invariants after every transition (throw <see cref="ProtocolInvariantException"/>).</summary>
    public abstract void CheckInvariants(TValue value);
}
