using Orleans;
using Orleans.Runtime;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Participants;
using OrleansTwoPc.Protocol;

namespace Tickets;

/// <summary>The participant grain: the protocol from the base, the rules by injection, the state in OrleansTwoPc's storage.</summary>
[GrainType("tickets")]
public sealed class TicketPoolGrain(
    [PersistentState("tickets", TwoPcStorage.Name)] IPersistentState<ParticipantState<TicketPool>> state,
    TicketRules rules)
    : ParticipantGrain<TicketPool>(state, rules), ITicketPoolGrain
{
    public Task<long> GetAvailable() => ReadAsync(pool => pool.Available);
}
