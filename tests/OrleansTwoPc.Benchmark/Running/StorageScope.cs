using OrleansTwoPc.Benchmark.Probes;
using OrleansTwoPc.Benchmark.Workloads;

namespace OrleansTwoPc.Benchmark.Running;

/// <summary>
/// What one cluster on one storage runs: the benchmark's full plan (<see cref="Full"/>), or one point of a sweep
/// (fewer systems, another account count or silo count, no reference cells).
/// </summary>
/// <param name="Keys">The accounts.</param>
/// <param name="Silos">In-process silos in the cluster.</param>
/// <param name="Groups">Workloads and their concurrency levels, in order.</param>
/// <param name="Systems">Systems per workload and storage, in the order they run.</param>
/// <param name="Reference">Run the no-op cells (the round trip d) before the workloads.</param>
/// <param name="Warm">Activate every account before the first cell; otherwise cells start with cold accounts.</param>
/// <param name="Calls">Counts grain calls per cell (sweeps), or null.</param>
public sealed record StorageScope(KeySpace Keys, int Silos, IReadOnlyList<CellGroup> Groups,
    Func<Workload, string, IReadOnlyList<string>> Systems, bool Reference, bool Warm, CallCounter? Calls)
{
    /// <summary>Above this many accounts the conservation checks re-read only the accounts the cells touched.</summary>
    public const int FullCheckLimit = 10_000;

    /// <summary>The plan the benchmark runs without <c>--sweep</c>: every system, reference cells, 2 silos, warm accounts.</summary>
    public static StorageScope Full(BenchOptions options, KeySpace keys) =>
        new(keys, 2, Plan.For(options), (workload, storage) => Plan.Systems(workload, storage, options), Reference: true, Warm: true, Calls: null);

    /// <summary>Whether any cell runs <paramref name="system"/> on <paramref name="storage"/>.</summary>
    public bool Runs(string system, string storage) => Groups.Any(g => Systems(g.Workload, storage).Contains(system));

    /// <summary>Conservation checks re-read every account only while that is cheap.</summary>
    public bool FullChecks => Keys.Count <= FullCheckLimit;
}
