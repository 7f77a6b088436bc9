
namespace OrleansTwoPc.Protocol;

/// <summary>The participant kinds this cluster hosts, for request validation. Filled from every registered <see cref="IParticipantKind"/>.</summary>
public sealed class ParticipantKindRegistry(IEnumerable<IParticipantKind> kinds)
{
    public IReadOnlyDictionary<string, IReadOnlySet<string>> ActionsByKind { get; } =
        kinds.ToDictionary(k => k.Kind, k => k.Actions, StringComparer.Ordinal);
}
