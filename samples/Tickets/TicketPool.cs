using Orleans;

namespace Tickets;

/// <summary>A ticket pool's value: tickets on sale, and tickets held by prepared transactions.</summary>
[GenerateSerializer, Alias("tickets.pool")]
public sealed class TicketPool
{
    [Id(0)] public long Available { get; set; }
    [Id(1)] public long Held { get; set; }
}
