using Orleans.Placement;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Scheduling;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Storage.PostgreSql;
using OrleansTwoPc.Storage.Sqlite;

namespace OrleansTwoPc.Benchmark.Baseline;

[GenerateSerializer, Alias("bench.floor-record")]
public sealed class FloorRecord
{
    [Id(0)] public string[] Accounts { get; set; } = [];

    [Id(1)] public bool Committed { get; set; }
}

[GenerateSerializer, Alias("bench.floor-account")]
public sealed class FloorAccount
{
    [Id(0)] public long Balance { get; set; }

    [Id(1)] public string? Prepared { get; set; }
}

/// <summary>
/// The floor of the architecture: the fewest steps a two-phase commit can take when, as in OrleansTwoPc, a grain
/// per operation id coordinates it and participants persist their votes. Per transaction: one call to a fresh
/// coordinator grain (activation and the read of its absent record), a prepare call and one forced write per account,
/// one decision write, the answer, and one commit call per account that writes nothing. No validation, no
/// recovery registry, no Begin or Completed write, no timeouts, no fencing, no forgetting: it is not correct under
/// faults and exists only to show how fast any design of this shape can go on this machine and storage.
/// </summary>
public interface IFloorCoordinatorGrain : IGrainWithStringKey
{
    Task Run(string[] accounts, long[] deltas);
}

public interface IFloorAccountGrain : IGrainWithStringKey
{
    Task Prepare(string operationId);

    Task Commit(string operationId, long delta);

    /// <summary>Activates the grain (loading its state) before any measurement.</summary>
    Task Touch();
}

[GrainType("bench-floor-coordinator")]
[PreferLocalPlacement] // as OrleansTwoPc's coordinator
public sealed class FloorCoordinatorGrain(
    [PersistentState("floor-record", TwoPcStorage.Name)] IPersistentState<FloorRecord> record,
    GrainReferences<IFloorAccountGrain> grains) : Grain, IFloorCoordinatorGrain
{
    public async Task Run(string[] accounts, long[] deltas)
    {
        var id = this.GetPrimaryKeyString();
        var prepares = new Task[accounts.Length];
        for (var i = 0; i < accounts.Length; i++)
        {
            prepares[i] = grains.Get(accounts[i]).Prepare(id);
        }

        await Task.WhenAll(prepares);
        record.State.Accounts = accounts;
        record.State.Committed = true;
        await record.WriteStateAsync();
        // The caller is answered once the decision is durable; phase 2 runs on, as in OrleansTwoPc.
        for (var i = 0; i < accounts.Length; i++)
        {
            grains.Get(accounts[i]).Commit(id, deltas[i]).Ignore();
        }
    }
}

[GrainType("bench-floor-account")]
public sealed class FloorAccountGrain([PersistentState("floor-account", TwoPcStorage.Name)] IPersistentState<FloorAccount> state)
    : Grain, IFloorAccountGrain
{
    public Task Prepare(string operationId)
    {
        state.State.Prepared = operationId;
        return state.WriteStateAsync();
    }

    public Task Commit(string operationId, long delta)
    {
        if (state.State.Prepared == operationId)
        {
            state.State.Prepared = null;
        }

        state.State.Balance += delta;
        return Task.CompletedTask;
    }

    public Task Touch() => Task.CompletedTask;
}
