using Orleans.Runtime;
using OrleansTwoPc.Hosting;
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

/// <summary>
/// Inventory rules: a reservation takes items out of stock (never below zero); a restock adds items, never past
/// the item's capacity (a warehouse shelf, unlike an account, is full at some point).
/// </summary>
public sealed class InventoryRules : ParticipantRules<InventoryItem>
{
    /// <summary>Most items one inventory item can hold.</summary>
    public const long Capacity = 1_000_000;

    private static readonly IReadOnlySet<string> ActionSet = new HashSet<string>([InventoryActions.Restock, InventoryActions.Reserve]);

    public override string Kind => ParticipantKinds.Inventory;

    public override IReadOnlySet<string> Actions => ActionSet;

    public override Vote Reserve(InventoryItem value, ParticipantOperation operation)
    {
        if (operation.Action == InventoryActions.Reserve)
        {
            var available = value.Stock - value.Reserved;
            if (available < operation.Amount)
            {
                return Vote.No(AbortCodes.InsufficientStock, $"{operation.Participant} has {available} in stock, needs {operation.Amount}");
            }

            value.Reserved += operation.Amount;
        }
        else
        {
            var room = Capacity - value.Stock - value.Incoming;
            if (room < operation.Amount)
            {
                return Vote.No(AbortCodes.CapacityExceeded, $"{operation.Participant} has room for {room}, restock of {operation.Amount} does not fit");
            }

            value.Incoming += operation.Amount;
        }

        return Vote.Yes;
    }

    public override void Apply(InventoryItem value, ParticipantOperation operation)
    {
        if (operation.Action == InventoryActions.Reserve)
        {
            value.Reserved -= operation.Amount;
            value.Stock -= operation.Amount;
        }
        else
        {
            value.Incoming -= operation.Amount;
            value.Stock += operation.Amount;
        }
    }

    public override void Release(InventoryItem value, ParticipantOperation operation)
    {
        if (operation.Action == InventoryActions.Reserve)
        {
            value.Reserved -= operation.Amount;
        }
        else
        {
            value.Incoming -= operation.Amount;
        }
    }

    public override void CheckInvariants(InventoryItem value)
    {
        Invariant.That(value.Stock >= 0 && value.Stock <= Capacity, $"inventory stock {value.Stock} outside 0..{Capacity}");
        Invariant.That(value.Reserved >= 0 && value.Reserved <= value.Stock, $"inventory reserves {value.Reserved} of stock {value.Stock}");
        Invariant.That(value.Incoming >= 0 && value.Stock + value.Incoming <= Capacity, $"inventory incoming {value.Incoming} out of range");
    }
}

/// <summary>The inventory participant grain.</summary>
[GrainType(ParticipantKinds.Inventory)]
public sealed class InventoryGrain(
    [PersistentState("inventory", TwoPcStorage.Name)] IPersistentState<ParticipantState<InventoryItem>> storage)
    : ParticipantGrain<InventoryItem>(storage, new InventoryRules()), IInventoryGrain
{
    public Task<long> GetStock() => ReadAsync(item => item.Stock);
}
