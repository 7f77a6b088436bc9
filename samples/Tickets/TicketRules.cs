using OrleansTwoPc;
using OrleansTwoPc.Protocol;

namespace Tickets;

/// <summary>Tickets: <c>buy</c> holds tickets at prepare and sells them at commit; <c>add</c> puts tickets on sale.</summary>
public sealed class TicketRules(TicketPolicy policy) : ParticipantRules<TicketPool>
{
    private static readonly IReadOnlySet<string> ActionSet = new HashSet<string>(["buy", "add"]);

    public override string Kind => "tickets";

    public override IReadOnlySet<string> Actions => ActionSet;

    public override Vote Reserve(TicketPool pool, ParticipantOperation operation)
    {
        if (operation.Action == "buy")
        {
            if (operation.Amount > policy.MaxPerPurchase)
            {
                return Vote.No("too-many-tickets", $"at most {policy.MaxPerPurchase} tickets per purchase");
            }

            if (pool.Available - pool.Held < operation.Amount)
            {
                return Vote.No("sold-out", $"{operation.Key} has {pool.Available - pool.Held} tickets left");
            }

            pool.Held += operation.Amount;
        }

        return Vote.Yes;
    }

    public override void Apply(TicketPool pool, ParticipantOperation operation)
    {
        if (operation.Action == "buy")
        {
            pool.Held -= operation.Amount;
            pool.Available -= operation.Amount;
        }
        else
        {
            pool.Available += operation.Amount;
        }
    }

    public override void Release(TicketPool pool, ParticipantOperation operation)
    {
        if (operation.Action == "buy")
        {
            pool.Held -= operation.Amount;
        }
    }

    public override void CheckInvariants(TicketPool pool) =>
        Invariant.That(pool.Held >= 0 && pool.Held <= pool.Available, $"tickets: {pool.Held} held of {pool.Available}");
}
