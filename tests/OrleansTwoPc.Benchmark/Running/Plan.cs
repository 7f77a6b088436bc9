using OrleansTwoPc.Benchmark.Workloads;

namespace OrleansTwoPc.Benchmark.Running;

/// <summary>A workload and the concurrency levels it runs at; each level runs every system back to back.</summary>
public sealed record CellGroup(Workload Workload, IReadOnlyList<int> Concurrency);

public static class Plan
{
    /// <summary>The concurrency every RESULT line reports.</summary>
    public const int Headline = 64;

    private static readonly int[] Full = [1, 8, 64, 256];

    public static IReadOnlyList<CellGroup> For(BenchOptions options)
    {
        var groups = new List<CellGroup>();
        foreach (var workload in Workload.All.Where(w => options.Workloads.Contains(w.Name)))
        {
            // Quick mode keeps to the four RESULT workloads unless asked for more.
            if (options.Quick && workload == Workload.Transfer4Zipf && !options.WorkloadsGiven)
            {
                continue;
            }

            IReadOnlyList<int> levels = options.Concurrency
                ?? (options.Quick ? (workload == Workload.Transfer2Uniform ? [1, Headline] : [Headline]) : Full);
            groups.Add(new CellGroup(workload, levels));
        }

        // The dedupe workload retries committed ids: after transfer2-uniform, which collects them.
        return groups.OrderBy(g => g.Workload.Replay).ToList();
    }

    /// <summary>Systems per concurrency level of a group on one storage, in the order they run.</summary>
    public static IReadOnlyList<string> Systems(Workload workload, string storage, BenchOptions options)
    {
        if (workload.Replay)
        {
            return ["twopc", "noop"];
        }

        List<string> systems = ["twopc"];
        // Right after twopc, so that the HTTP path's cost is measured against the client path under the same machine noise.
        if (RunsHttp(workload, storage, options))
        {
            systems.Add("twopc-http");
        }

        systems.AddRange(options.Naive ? ["orleans-tx", "orleans-tx-naive", "ceiling"] : ["orleans-tx", "ceiling"]);
        // The floor has no group commit: under skew it would measure its own lock queue, not a floor.
        if (workload.Access == Access.Uniform)
        {
            systems.Add("floor");
        }

        return systems;
    }

    /// <summary>
    /// The HTTP cell costs a cell per level, so by default it runs only where issue 15 asks for it: SQLite transfer2-uniform.
    /// </summary>
    public static bool RunsHttp(Workload workload, string storage, BenchOptions options) => options.Http switch
    {
        true => !workload.Replay,
        false => false,
        null => storage == "sqlite" && workload == Workload.Transfer2Uniform,
    };
}
