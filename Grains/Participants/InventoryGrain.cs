using Orleans.Runtime;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Protocol;

namespace OrleansTwoPc.Participants;

/// <summary>The inventory participant grain: the protocol from the base, the inventory rules (registered by AddInventory), one query.</summary>
[GrainType(ParticipantKinds.Inventory)]
public sealed class InventoryGrain(
    [PersistentState("inventory", TwoPcStorage.Name)] IPersistentState<ParticipantState<InventoryItem>> storage,
    InventoryRules rules)
    : ParticipantGrain<InventoryItem>(storage, rules), IInventoryGrain
{
    public Task<long> GetStock() => ReadAsync(item => item.Stock);
}
