namespace OrleansTwoPc.Client;

/// <summary>Reads of the shipped participant kinds (ledger, inventory), for silos that add them.</summary>
public static class ShippedKindQueries
{
    /// <summary>The committed balance of a ledger account.</summary>
    public static Task<long> GetBalanceAsync(this IGrainFactory grains, string account)
    {
        RequestValidator.ValidateId(account, "account");
        return grains.GetGrain<ILedgerGrain>(account).GetBalance();
    }

    /// <summary>The committed stock level of an inventory item.</summary>
    public static Task<long> GetStockAsync(this IGrainFactory grains, string item)
    {
        RequestValidator.ValidateId(item, "item");
        return grains.GetGrain<IInventoryGrain>(item).GetStock();
    }
}
