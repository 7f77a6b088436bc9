using OrleansTwoPc.Benchmark.Baseline;
using OrleansTwoPc.Benchmark.Workloads;

namespace OrleansTwoPc.Benchmark.Systems;

/// <summary>The storage ceiling: one plain grain-state write per operation on the <c>twopc</c> storage, no transaction.</summary>
public sealed class CeilingSystem(IClusterClient client, KeySpace keys) : IBenchSystem
{
    public string Name => "ceiling";

    public string Description => "storage ceiling: one WriteStateAsync of a small [PersistentState] per call on the twopc storage, uniform over the accounts' keys";

    public async Task<OpResult> ExecuteAsync(Leg[] legs, OpContext context)
    {
        try
        {
            var ticks = await client.GetGrain<ICeilingGrain>(keys.Key(legs[0].Account)).Write(context.Sequence);
            return OpResult.Committed(innerTicks: ticks);
        }
        catch (Exception ex)
        {
            return OpResult.Failed(ex.GetType().Name);
        }
    }
}

/// <summary>A call to a grain that does nothing: the round trip d.</summary>
public sealed class NoOpSystem(IClusterClient client) : IBenchSystem
{
    public string Name => "noop";

    public string Description => "no-op grain call from the client (one grain per client loop): the message round trip d";

    public async Task<OpResult> ExecuteAsync(Leg[] legs, OpContext context)
    {
        try
        {
            await client.GetGrain<INoOpGrain>(context.Worker).Ping();
            return OpResult.Committed();
        }
        catch (Exception ex)
        {
            return OpResult.Failed(ex.GetType().Name);
        }
    }
}
