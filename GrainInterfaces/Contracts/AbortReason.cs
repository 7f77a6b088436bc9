namespace OrleansTwoPc;

/// <summary>Why a transaction aborted. Codes are stable strings a caller can switch on.</summary>
[GenerateSerializer, Immutable, Alias("twopc.abort-reason")]
public sealed record AbortReason([property: Id(0)] string Code, [property: Id(1)] string Message)
{
    /// <summary>A participant refused its operation by a business rule (funds, stock, capacity).</summary>
    public bool IsBusinessRule => Code is AbortCodes.InsufficientFunds or AbortCodes.InsufficientStock
        or AbortCodes.CapacityExceeded or AbortCodes.BalanceOverflow;

    public override string ToString() => $"{Code}: {Message}";
}
