namespace Tickets;

/// <summary>A service the rules take by constructor injection: how many tickets one transaction may buy.</summary>
public sealed class TicketPolicy
{
    public long MaxPerPurchase { get; init; } = 10;
}
