using OrleansTwoPc.Benchmark.Probes;
using OrleansTwoPc.Benchmark.Workloads;

namespace OrleansTwoPc.Benchmark.Running;

/// <summary>
/// The scale sweeps of issue 16: one variable changes (participants per transaction, accounts, silos), everything else
/// stays as in the benchmark's headline cell (transfer-uniform at 64 client loops). Each point is one
/// <see cref="StorageScope"/>: the participants sweep runs all its points on one cluster, back to back; the accounts
/// and silos sweeps need a fresh cluster per point.
/// </summary>
public static class Sweep
{
    public static IReadOnlyList<int> Points(BenchOptions options) => options.Points ?? options.Sweep switch
    {
        "participants" => [2, 4, 8, 16],
        "accounts" => [1_000, 10_000, 100_000, 1_000_000],
        "silos" or "silo-processes" => [1, 2, 3],
        _ => throw new InvalidOperationException("not a sweep"),
    };

    /// <summary>The clusters to run on one storage, each with the label its progress lines carry.</summary>
    public static IReadOnlyList<(string Point, StorageScope Scope)> Scopes(BenchOptions options)
    {
        IReadOnlyList<int> levels = options.Concurrency ?? [Plan.Headline];
        var transfer2 = new[] { new CellGroup(Workload.Transfer2Uniform, levels) };
        var points = Points(options);
        switch (options.Sweep)
        {
            case "participants":
                var groups = points.Select(n => new CellGroup(Workload.TransferUniform(n), levels)).ToList();
                return [("participants " + string.Join(",", points),
                    new StorageScope(new KeySpace(options.Accounts, options.Seed), 2, groups, (_, _) => ["twopc", "orleans-tx"],
                        Reference: false, Warm: true, new CallCounter()))];
            case "accounts":
                // Cold accounts at every size: activating 10^6 grains first would measure a cache, not the state size.
                return points.Select(n => ($"{n:N0} accounts", new StorageScope(new KeySpace(n, options.Seed), 2, transfer2,
                    (_, _) => ["twopc"], Reference: false, Warm: false, new CallCounter()))).ToList();
            default:
                return points.Select(n => ($"{n} silo{(n == 1 ? "" : "s")}", new StorageScope(new KeySpace(options.Accounts, options.Seed), n,
                    transfer2, (_, _) => ["twopc", "ceiling"], Reference: false, Warm: true, new CallCounter()))).ToList();
        }
    }
}
