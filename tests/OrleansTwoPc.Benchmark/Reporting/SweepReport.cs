using System.Globalization;
using System.Text;
using OrleansTwoPc.Benchmark.Running;

namespace OrleansTwoPc.Benchmark.Reporting;

/// <summary>report.md and the verdict lines of a scale sweep (issue 16): one table per storage, ratios within the run.</summary>
public static class SweepReport
{
    public static string Build(SweepRunResult run)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# OrleansTwoPc scale sweep: {run.Sweep}, {run.StartedAt:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"`{run.Command}` on {run.Machine}. {run.Options.Warmup.TotalSeconds:0.##} s warm-up + " +
            $"{run.Options.Duration.TotalSeconds:0.##} s measured per cell, seed {run.Options.Seed}, total run time {run.TotalSeconds:0} s. " +
            $"OrleansTwoPc measured: {run.Code}. The machine may be shared with other work: compare figures only as ratios within this run.");
        md.AppendLine();
        foreach (var line in run.Summary)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- `{line}`");
        }

        md.AppendLine();
        md.Append(Tables(run.Sweep, run.Storages));
        var checks = run.Storages.SelectMany(s => s.Checks).ToList();
        md.AppendLine(CultureInfo.InvariantCulture, $"Money conservation: {checks.Count} checks, {checks.Count(c => !c.Conserved)} not conserved" +
            $"{string.Concat(run.Storages.Where(s => s.Error is not null).Select(s => $"; {s.Storage} ({s.Accounts:N0} accounts, {s.Silos} silos) FAILED: {s.Error}"))}.");
        md.AppendLine();
        md.AppendLine("Method: " + Method(run.Sweep));
        return md.ToString();
    }

    /// <summary>The sweep's tables in markdown, one per storage.</summary>
    public static string Tables(string sweep, IReadOnlyList<StorageResult> storages)
    {
        var md = new StringBuilder();
        foreach (var group in storages.GroupBy(s => s.Storage))
        {
            var cells = group.SelectMany(s => s.Cells).ToList();
            md.AppendLine(CultureInfo.InvariantCulture, $"### {group.Key}");
            md.AppendLine();
            switch (sweep)
            {
                case "participants":
                    md.AppendLine("| system | N | tx/s | p99 ms | aborts + failed | writes/commit | grain calls/commit | CPU ms/tx | legs/s (tx/s x N) | writes/commit / N | CPU ms/tx / N |");
                    md.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
                    foreach (var c in cells.OrderBy(c => c.System, StringComparer.Ordinal).ThenBy(c => c.Participants))
                    {
                        md.AppendLine(CultureInfo.InvariantCulture,
                            $"| {c.System} | {c.Participants} | {c.Tps:N0} | {c.Latency.P99Ms:N1} | {c.AbortRate + c.FailRate:P1} | {c.TotalWritesPerCommit:0.0} | " +
                            $"{F(c.CallsPerCommit, "0.0")} | {c.CpuMsPerCommit:0.00} | {c.Tps * c.Participants:N0} | {c.TotalWritesPerCommit / c.Participants:0.00} | " +
                            $"{c.CpuMsPerCommit / c.Participants:0.000} |");
                    }

                    break;
                case "accounts":
                    var reference = Reference(group);
                    md.AppendLine("| accounts | tx/s | p50 ms | p99 ms | aborts + failed | writes/commit | CPU ms/tx | funding s (accounts/s) | tx/s vs 10,000 accounts |");
                    md.AppendLine("|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
                    foreach (var s in group.OrderBy(s => s.Accounts))
                    {
                        var c = s.Cells.FirstOrDefault(c => c.System == "twopc");
                        md.AppendLine(c is null
                            ? $"| {s.Accounts:N0} | failed: {s.Error} | | | | | | {s.FundingSeconds:0.0} | |"
                            : string.Create(CultureInfo.InvariantCulture,
                                $"| {s.Accounts:N0} | {c.Tps:N0} | {c.Latency.P50Ms:N1} | {c.Latency.P99Ms:N1} | {c.AbortRate + c.FailRate:P1} | {c.TotalWritesPerCommit:0.0} | " +
                                $"{c.CpuMsPerCommit:0.00} | {s.FundingSeconds:0.0} ({s.Accounts / Math.Max(s.FundingSeconds, 0.001):N0}) | {F(c.Tps / reference, "0.00")} |"));
                    }

                    break;
                default:
                    var one = group.FirstOrDefault(s => s.Silos == 1)?.Cells.FirstOrDefault(c => c.System == "twopc")?.Tps;
                    md.AppendLine("| silos | tx/s | p50 ms | p99 ms | aborts + failed | grain calls/commit | cross-silo share measured | (N-1)/N | cross-silo calls/commit | CPU ms/tx | ceiling writes/s | tx/s vs 1 silo |");
                    md.AppendLine("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
                    foreach (var s in group.OrderBy(s => s.Silos))
                    {
                        var c = s.Cells.FirstOrDefault(c => c.System == "twopc");
                        var ceiling = s.Cells.FirstOrDefault(c => c.System == "ceiling");
                        md.AppendLine(c is null
                            ? $"| {s.Silos} | failed: {s.Error} | | | | | | | | | | |"
                            : string.Create(CultureInfo.InvariantCulture,
                                $"| {s.Silos} | {c.Tps:N0} | {c.Latency.P50Ms:N1} | {c.Latency.P99Ms:N1} | {c.AbortRate + c.FailRate:P1} | {F(c.CallsPerCommit, "0.0")} | " +
                                $"{F(c.RemoteCallShare, "P0")} | {(s.Silos - 1) / (double)s.Silos:P0} | {F(c.RemoteCallsPerCommit, "0.0")} | {c.CpuMsPerCommit:0.00} | " +
                                $"{F(ceiling?.Tps, "N0")} | {F(c.Tps / one, "0.00")} |"));
                    }

                    break;
            }

            md.AppendLine();
            var calls = cells.Where(c => c.System == "twopc" && c.CallsByInterface is not null).OrderBy(c => c.Participants).ThenBy(c => c.Accounts).ThenBy(c => c.Silos).FirstOrDefault();
            if (calls?.CallsByInterface is { } byInterface)
            {
                var list = string.Join(", ", byInterface.OrderByDescending(p => p.Value).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:0.00}")));
                md.AppendLine(CultureInfo.InvariantCulture, $"Grain calls per committed OrleansTwoPc transaction by target interface ({calls.Workload}, " +
                    $"{calls.Accounts:N0} accounts, {calls.Silos} silos, client calls included): {list}.");
                md.AppendLine();
            }
        }

        return md.ToString();
    }

    /// <summary>One line per storage (and system) that states the sweep's result as a ratio; no assertion.</summary>
    public static IReadOnlyList<string> Verdicts(string sweep, IReadOnlyList<StorageResult> storages)
    {
        var lines = new List<string>();
        foreach (var group in storages.GroupBy(s => s.Storage))
        {
            switch (sweep)
            {
                case "participants":
                    foreach (var system in group.SelectMany(s => s.Cells).GroupBy(c => c.System))
                    {
                        var byN = system.OrderBy(c => c.Participants).ToList();
                        if (byN.Count < 2 || byN[^1].Tps <= 0 || byN[0].Tps <= 0)
                        {
                            continue;
                        }

                        var (first, last) = (byN[0], byN[^1]);
                        // Cost per participant: machine time per account leg = 1 / (tx/s x N).
                        var growth = first.Tps * first.Participants / (last.Tps * last.Participants);
                        lines.Add(string.Create(CultureInfo.InvariantCulture,
                            $"SWEEP participants storage={group.Key} system={system.Key}: cost per participant grows x{growth:0.00} from {first.Participants} to {last.Participants} " +
                            $"(legs/s {first.Tps * first.Participants:N0} -> {last.Tps * last.Participants:N0}; writes per participant x{last.TotalWritesPerCommit / last.Participants / (first.TotalWritesPerCommit / first.Participants):0.00}; " +
                            $"CPU per participant x{last.CpuMsPerCommit / last.Participants / (first.CpuMsPerCommit / first.Participants):0.00}; at most x1.00 is linear)"));
                    }

                    break;
                case "accounts":
                    var reference = Reference(group);
                    var largest = group.Where(s => s.Cells.Any(c => c.System == "twopc")).MaxBy(s => s.Accounts);
                    if (largest is not null && reference is > 0)
                    {
                        var ratio = largest.Cells.First(c => c.System == "twopc").Tps / reference.Value;
                        lines.Add(string.Create(CultureInfo.InvariantCulture,
                            $"SWEEP accounts storage={group.Key}: throughput at {largest.Accounts:N0} accounts / 10,000 = {ratio:0.00} (issue 16 asks >= 0.80 at 1,000,000: " +
                            $"{(largest.Accounts < 1_000_000 ? "not measured" : ratio >= 0.8 ? "met" : "NOT met")}); accounts cold at every size"));
                    }

                    break;
                default:
                    var bySilos = group.Select(s => (s.Silos, Cell: s.Cells.FirstOrDefault(c => c.System == "twopc"))).Where(p => p.Cell is not null).OrderBy(p => p.Silos).ToList();
                    if (bySilos.Count >= 2)
                    {
                        var (first, last) = (bySilos[0], bySilos[^1]);
                        var extraRemote = (last.Cell!.RemoteCallsPerCommit ?? 0) - (first.Cell!.RemoteCallsPerCommit ?? 0);
                        var cpuPerRemote = extraRemote > 0 ? (last.Cell.CpuMsPerCommit - first.Cell.CpuMsPerCommit) / extraRemote : double.NaN;
                        lines.Add(string.Create(CultureInfo.InvariantCulture,
                            $"SWEEP silos storage={group.Key}: tx/s at {last.Silos} silos / {first.Silos} = {last.Cell.Tps / first.Cell.Tps:0.00}; p99 {first.Cell.Latency.P99Ms:N0} -> {last.Cell.Latency.P99Ms:N0} ms; " +
                            $"cross-silo share {F(last.Cell.RemoteCallShare, "P0")} (placement estimate {(last.Silos - 1) / (double)last.Silos:P0}); " +
                            $"CPU per cross-silo call ~{F(cpuPerRemote, "0.000")} ms (CPU ms/tx difference / extra cross-silo calls per tx; all silos in one process)"));
                    }

                    break;
            }
        }

        return lines;
    }

    private static double? Reference(IEnumerable<StorageResult> group) =>
        group.FirstOrDefault(s => s.Accounts == 10_000)?.Cells.FirstOrDefault(c => c.System == "twopc")?.Tps;

    private static string Method(string sweep) => sweep switch
    {
        "participants" => "transferN-uniform debits one account (N-1)x and credits N-1 others x; all N on one 2-silo in-process cluster, back to back, " +
            "10,000 warm accounts (or --accounts); OrleansTwoPc and Orleans Transactions (expert: account calls one after another in key order). " +
            "Grain calls are counted by an incoming and an outgoing grain call filter in every silo (client calls included). " +
            "Cost per participant = 1 / (tx/s x N): machine time per account leg; a ratio at most 1 between N = 2 and 16 is linear or better.",
        "accounts" => "transfer2-uniform, OrleansTwoPc only, a fresh 2-silo in-process cluster per size on the same database (rows of earlier sizes and runs stay in " +
            "the table under other service ids). Accounts are bulk-loaded through OrleansTwoPc's own grain storage (512 writes in flight, group-committed by " +
            "its write batcher) and NOT activated: every cell starts cold, so a transaction on an account not yet touched pays its activation and state read. " +
            "Conservation is checked on the accounts each cell touched (all accounts while there are at most 10,000).",
        _ => "transfer2-uniform OrleansTwoPc and the storage ceiling (one plain grain-state write per call) on 1, 2 and 3 silos, each point a fresh " +
            "in-process cluster (InProcessTestClusterBuilder(n): all silos and the client in one process on the same 2 cores, connected over loopback TCP), " +
            "10,000 warm accounts. Not separate silo processes. A call counts as cross-silo when the caller's silo (a mark the outgoing grain call filter puts " +
            "in the request context) differs from the silo that runs it; client calls count as neither.",
    };

    private static string F(double? value, string format) => Headline.F(value, format);
}
