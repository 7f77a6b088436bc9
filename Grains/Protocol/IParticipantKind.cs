namespace OrleansTwoPc.Protocol;

/// <summary>What the coordinator needs to know of a kind to validate requests: its name and actions.</summary>
public interface IParticipantKind
{
    /// <summary>The kind name, equal to the participant grain's <c>[GrainType]</c>.</summary>
    string Kind { get; }

    /// <summary>The actions this kind accepts.</summary>
    IReadOnlySet<string> Actions { get; }
}
