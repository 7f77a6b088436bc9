using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansTwoPc.Benchmark.Probes;

/// <summary>Grain calls during one cell: in total, by interface, and by where they came from.</summary>
/// <param name="FromClient">Calls that carried no silo mark: from the cluster client (or a non-grain caller).</param>
/// <param name="Local">Calls from a grain on the same silo as their target.</param>
/// <param name="Remote">Calls from a grain on another silo: each a network hop (here: a loopback TCP hop).</param>
public sealed record CallCounts(long FromClient, long Local, long Remote, IReadOnlyDictionary<string, long> ByInterface)
{
    public long Total => FromClient + Local + Remote;

    /// <summary>Share of grain-to-grain calls that crossed silos.</summary>
    public double RemoteShare => Local + Remote == 0 ? 0 : Remote / (double)(Local + Remote);
}

/// <summary>
/// Counts grain calls with a pair of grain call filters in every silo (registered only for sweeps: it costs a request
/// context entry and two dictionary updates per call). The outgoing filter marks each call with its silo in the
/// request context; the incoming filter compares the mark with its own silo. Orleans has no counter for this.
/// </summary>
public sealed class CallCounter
{
    private const string SiloKey = "bench.from-silo";

    private readonly ConcurrentDictionary<string, long> _byInterface = new(StringComparer.Ordinal);
    private long _client;
    private long _local;
    private long _remote;

    /// <summary>Adds both filters to a silo; <paramref name="silo"/>'s name is read from its local silo details.</summary>
    public void AddTo(ISiloBuilder silo)
    {
        silo.Services.AddSingleton<IIncomingGrainCallFilter>(sp => new Incoming(this, SiloName(sp)));
        silo.Services.AddSingleton<IOutgoingGrainCallFilter>(sp => new Outgoing(SiloName(sp)));
    }

    /// <summary>The counts since the last call; starts counting afresh.</summary>
    public CallCounts Take()
    {
        var byInterface = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var key in _byInterface.Keys)
        {
            if (_byInterface.TryRemove(key, out var count) && count > 0)
            {
                byInterface[key] = count;
            }
        }

        return new CallCounts(Interlocked.Exchange(ref _client, 0), Interlocked.Exchange(ref _local, 0), Interlocked.Exchange(ref _remote, 0),
            byInterface);
    }

    private static string SiloName(IServiceProvider services) => services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString();

    private void Count(string? from, string self, string interfaceName)
    {
        _ = from is null ? Interlocked.Increment(ref _client) : from == self ? Interlocked.Increment(ref _local) : Interlocked.Increment(ref _remote);
        _byInterface.AddOrUpdate(interfaceName, 1, (_, n) => n + 1);
    }

    private sealed class Incoming(CallCounter counter, string self) : IIncomingGrainCallFilter
    {
        public Task Invoke(IIncomingGrainCallContext context)
        {
            var type = context.InterfaceMethod?.DeclaringType;
            // Orleans' own grains (the memory storage provider's storage grains, timers, load publishers) are not the
            // protocol's calls: listed by interface, left out of the totals. Orleans Transactions' calls are counted.
            if (type?.Namespace is { } ns && ns.StartsWith("Orleans.", StringComparison.Ordinal) && !ns.StartsWith("Orleans.Transactions", StringComparison.Ordinal))
            {
                counter._byInterface.AddOrUpdate("(Orleans) " + type.Name, 1, (_, n) => n + 1);
            }
            else
            {
                counter.Count(RequestContext.Get(SiloKey) as string, self, type?.Name ?? context.InterfaceName);
            }

            return context.Invoke();
        }
    }

    private sealed class Outgoing(string self) : IOutgoingGrainCallFilter
    {
        // An async method: the request context entry set here does not flow back to the caller's context.
        public async Task Invoke(IOutgoingGrainCallContext context)
        {
            RequestContext.Set(SiloKey, self);
            await context.Invoke();
        }
    }
}
