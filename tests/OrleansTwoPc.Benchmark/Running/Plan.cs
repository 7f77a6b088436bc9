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

    /// <summary>Systems per concurrency level of a group, in the order they run.</summary>
    public static IReadOnlyList<string> Systems(Workload workload, bool naive)
    {
        if (workload.Replay)
        {
            return ["twopc", "noop"];
        }

        List<string> systems = naive ? ["twopc", "orleans-tx", "orleans-tx-naive", "ceiling"] : ["twopc", "orleans-tx", "ceiling"];
        // The floor has no group commit: under skew it would measure its own lock queue, not a floor.
        if (workload.Access == Access.Uniform)
        {
            systems.Add("floor");
        }

        return systems;
    }
}
