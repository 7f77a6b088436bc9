using Orleans.Runtime;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Protocol;

namespace OrleansTwoPc.Participants;

/// <summary>An inventory item's value: stock on hand, bounded below by zero and above by the item's capacity.</summary>
[GenerateSerializer, Alias("twopc.inventory-item")]
public sealed class InventoryItem
{
    /// <summary>Committed stock. Reads show only this.</summary>
    [Id(0)] public long Stock { get; set; }

    /// <summary>Items held by prepared reservations.</summary>
    [Id(1)] public long Reserved { get; set; }

    /// <summary>Items promised by prepared restocks: counted against the capacity.</summary>
    [Id(2)] public long Incoming { get; set; }

    public override string ToString() => $"stock={Stock} reserved={Reserved} incoming={Incoming}";
}
