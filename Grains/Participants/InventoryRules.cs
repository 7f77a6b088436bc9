using Orleans.Runtime;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Protocol;

namespace OrleansTwoPc.Participants;

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
