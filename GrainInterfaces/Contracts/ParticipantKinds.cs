using System.Security.Cryptography;
using System.Text;

namespace OrleansTwoPc;

/// <summary>The participant kinds shipped with the service.</summary>
public static class ParticipantKinds
{
    /// <summary>Account ledger: a balance that never goes negative.</summary>
    public const string Ledger = "ledger";

    /// <summary>Inventory item: a stock level that never goes negative and never exceeds its capacity.</summary>
    public const string Inventory = "inventory";
}
