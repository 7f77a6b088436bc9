using System.Security.Cryptography;
using System.Text;

namespace OrleansTwoPc;

/// <summary>Actions of the <see cref="ParticipantKinds.Inventory"/> kind.</summary>
public static class InventoryActions
{
    /// <summary>Adds items to stock, up to the item's capacity.</summary>
    public const string Restock = "restock";

    /// <summary>Takes items out of stock for an order; fails when stock is short.</summary>
    public const string Reserve = "reserve";
}
