using Microsoft.Extensions.Logging;
using OrleansTwoPc.Diagnostics;
using OrleansTwoPc.Faults;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Recovery;

namespace OrleansTwoPc.Protocol;

/// <summary>What a coordinator needs from its surroundings; the grain builds one per silo, tests build their own.</summary>
/// <param name="Participants">Resolves a participant's grain reference.</param>
/// <param name="Options">Timing and limits.</param>
/// <param name="Kinds">The kinds this cluster hosts and their actions, for validation.</param>
public sealed record CoordinatorServices(
    Func<ParticipantId, IParticipantGrain> Participants,
    TwoPcOptions Options,
    IReadOnlyDictionary<string, IReadOnlySet<string>> Kinds,
    TimeProvider Time,
    ILogger Logger)
{
    internal IFaultInjector Faults { get; init; } = NoFaults.Instance;

    public IRecoveryRegistry Registry { get; init; } = NoRecoveryRegistry.Instance;

    public TwoPcInstruments Instruments { get; init; } = TwoPcInstruments.Unobserved;
}
