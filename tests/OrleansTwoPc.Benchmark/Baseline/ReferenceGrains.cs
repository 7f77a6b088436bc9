using System.Diagnostics;
using Orleans.Concurrency;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Scheduling;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Storage.PostgreSql;
using OrleansTwoPc.Storage.Sqlite;

namespace OrleansTwoPc.Benchmark.Baseline;

/// <summary>Grain storage names of the benchmark's own grains.</summary>
public static class BenchStorageNames
{
    /// <summary>Orleans Transactions' state: the same database as <see cref="TwoPcStorage.Name"/>, a second named provider.</summary>
    public const string OrleansTx = "bench-otx";

    /// <summary>The real provider behind the write-counting decorator registered as <see cref="OrleansTx"/>.</summary>
    public const string OrleansTxInner = "bench-otx-database";
}

[GenerateSerializer, Alias("bench.ceiling-state")]
public sealed class CeilingState
{
    [Id(0)] public long Value { get; set; }

    [Id(1)] public long Writes { get; set; }
}

/// <summary>The storage ceiling: one plain grain-state write per call, on OrleansTwoPc's own storage, no transaction.</summary>
public interface ICeilingGrain : IGrainWithStringKey
{
    /// <summary>Writes the state; returns how long the write took, in <see cref="Stopwatch"/> ticks.</summary>
    Task<long> Write(long value);
}

[GrainType("bench-ceiling")]
public sealed class CeilingGrain([PersistentState("ceiling", TwoPcStorage.Name)] IPersistentState<CeilingState> state)
    : Grain, ICeilingGrain
{
    public async Task<long> Write(long value)
    {
        state.State.Value = value;
        state.State.Writes++;
        var start = Stopwatch.GetTimestamp();
        await state.WriteStateAsync();
        return Stopwatch.GetTimestamp() - start;
    }
}

/// <summary>A call that does nothing: its round trip is d in the latency model.</summary>
public interface INoOpGrain : IGrainWithIntegerKey
{
    Task Ping();
}

[GrainType("bench-noop")]
public sealed class NoOpGrain : Grain, INoOpGrain
{
    public Task Ping() => Task.CompletedTask;
}

/// <summary>Reads many OrleansTwoPc ledger balances from inside the cluster, for the conservation check.</summary>
public interface ILedgerAuditGrain : IGrainWithIntegerKey
{
    Task<long[]> ReadBalances(string[] accounts);
}

[StatelessWorker]
[GrainType("bench-ledger-audit")]
public sealed class LedgerAuditGrain : Grain, ILedgerAuditGrain
{
    public Task<long[]> ReadBalances(string[] accounts) =>
        Task.WhenAll(accounts.Select(a => GrainFactory.GetGrain<ILedgerGrain>(a).GetBalance()));
}
