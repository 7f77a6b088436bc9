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

/// <summary>
/// The architecture's floor (<see cref="IFloorCoordinatorGrain"/>): the bare message and write pattern of a
/// two-phase commit with a coordinator grain per operation id, with none of the checks that make it correct.
/// OrleansTwoPc cannot be faster than this on the same machine and storage; the gap is what correctness costs.
/// </summary>
public sealed class FloorSystem(IClusterClient client, KeySpace keys, string runTag) : IBenchSystem
{
    private readonly GrainReferences<IFloorCoordinatorGrain> _coordinators = new(client);

    public string Name => "floor";

    public string Description => "the architecture's floor: a fresh coordinator grain per operation id, one prepare call and forced write per " +
        "account, one decision write, answer, unforced commits; no validation, registry, Begin/Completed writes, timeouts or fencing (not fault-tolerant)";

    public async Task<OpResult> ExecuteAsync(Leg[] legs, OpContext context)
    {
        try
        {
            var accounts = new string[legs.Length];
            var deltas = new long[legs.Length];
            for (var i = 0; i < legs.Length; i++)
            {
                accounts[i] = keys.Key(legs[i].Account);
                deltas[i] = legs[i].Delta;
            }

            await _coordinators.Get($"{runTag}.floor.{context.CellTag}.{context.Worker}.{context.Sequence}")
                .Run(accounts, deltas);
            return OpResult.Committed();
        }
        catch (Exception ex)
        {
            return OpResult.Failed(ex.GetType().Name);
        }
    }

    /// <summary>Activates every floor account, as the ledgers' accounts are before the first cell.</summary>
    public Task WarmAsync() => Parallel.ForEachAsync(keys.Keys, new ParallelOptions { MaxDegreeOfParallelism = 64 },
        async (key, _) => await client.GetGrain<IFloorAccountGrain>(key).Touch());
}
