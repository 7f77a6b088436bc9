using Orleans;

namespace Tickets;

/// <summary>The kind's own query; the transaction calls come from the participant base.</summary>
public interface ITicketPoolGrain : IGrainWithStringKey
{
    Task<long> GetAvailable();
}
