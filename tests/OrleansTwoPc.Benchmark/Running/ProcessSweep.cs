using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansTwoPc.Benchmark.Cluster;
using OrleansTwoPc.Benchmark.Systems;
using OrleansTwoPc.Benchmark.Workloads;

namespace OrleansTwoPc.Benchmark.Running;

/// <summary>One point of the silo-processes sweep.</summary>
public sealed record ProcessPoint(int Silos, double Tps, long Committed, long Aborted, long Failed, double P50Ms, double P99Ms,
    double SiloCpuMsPerTx, double ClientCpuMsPerTx, double? RowWritesPerCommit, double MeasuredSeconds, double FundingSeconds,
    long Expected, long Sum, double SettleSeconds, string? Error)
{
    public bool Conserved => Error is null && Sum == Expected;
}

/// <summary>
/// Issue 16's silo sweep with real processes (<c>--sweep silo-processes</c>): transfer2-uniform through the client
/// library against 1, 2 and 3 processes of the shipped silo on PostgreSQL, each point a fresh cluster with its own
/// cluster id. Measures throughput, latency, the silos' CPU per transaction (all silo processes together, from
/// /proc) and the client's, and the grain-state rows PostgreSQL wrote per commit; the CPU difference between points,
/// divided by the extra grain calls that cross processes, estimates what a call between silo processes costs.
/// </summary>
public static class ProcessSweep
{
    /// <summary>Grain-to-grain calls per transfer2 (the in-process silos sweep counts them); random placement sends (N-1)/N of them to another silo.</summary>
    public const double GrainCallsPerTransfer = 8;

    /// <summary>
    /// Added to the warm-up unless --warmup is given: the silos are fresh processes whose JIT this process cannot watch (<see cref="JitQuiet"/>
    /// watches its own), and tiered recompilation takes 20-30 s of load on 2 cores; funding the accounts is part of it.
    /// </summary>
    private static readonly TimeSpan SiloJitWarmup = TimeSpan.FromSeconds(20);

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task<int> RunAsync(BenchOptions options, IReadOnlyList<string> args, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        var folder = Path.GetFullPath(Path.Combine(options.OutputRoot, started.ToString("yyyyMMdd-HHmmss", null) + "-silo-processes"));
        Directory.CreateDirectory(folder);
        var keys = new KeySpace(options.Accounts, options.Seed);
        var concurrency = options.Concurrency?[0] ?? Plan.Headline;
        var warmup = options.WarmupGiven ? options.Warmup : options.Warmup + SiloJitWarmup;
        var points = Sweep.Points(options);
        var progress = new Progress(output, points.Count);
        progress.Line($"sweep silo-processes: postgres, points {string.Join(",", points)} silo processes, {keys.Count:N0} accounts, " +
            $"transfer2-uniform c={concurrency}, {warmup.TotalSeconds:0.#} s warm-up + {options.Duration.TotalSeconds:0.##} s; results in {folder}");

        var results = new List<ProcessPoint>();
        foreach (var silos in points)
        {
            var point = await RunPointAsync(silos, options, keys, concurrency, warmup, started, folder, progress);
            results.Add(point);
            progress.Line(point.Error is { } error
                ? $"{silos} silo processes FAILED: {error}"
                : string.Create(CultureInfo.InvariantCulture,
                    $"{silos} silo process{(silos == 1 ? "" : "es")}: {point.Tps,7:N0} tx/s  p50 {point.P50Ms:0.0} ms  p99 {point.P99Ms:0.0} ms  " +
                    $"CPU ms/tx silos {point.SiloCpuMsPerTx:0.00} client {point.ClientCpuMsPerTx:0.00}  rows/commit {F(point.RowWritesPerCommit, "0.0")}  " +
                    $"aborts {point.Aborted} failed {point.Failed}  money {(point.Conserved ? "conserved" : $"NOT CONSERVED ({point.Sum:N0} of {point.Expected:N0})")}"));
        }

        var summary = Summary(results);
        var command = "dotnet run -c Release --project tests/OrleansTwoPc.Benchmark -- " + string.Join(' ', args);
        await File.WriteAllTextAsync(Path.Combine(folder, "results.json"), JsonSerializer.Serialize(new
        {
            Sweep = "silo-processes", StartedAt = started, Command = command, Accounts = keys.Count, Concurrency = concurrency,
            WarmupSeconds = warmup.TotalSeconds, DurationSeconds = options.Duration.TotalSeconds, Points = results, Summary = summary,
            TotalSeconds = clock.Elapsed.TotalSeconds,
        }, Json));
        var table = Table(results);
        var report = Path.Combine(folder, "report.md");
        await File.WriteAllTextAsync(report, $"# Silo processes sweep\n\n`{command}`, started {started:yyyy-MM-dd HH:mm} UTC, " +
            $"{keys.Count:N0} accounts, transfer2-uniform at {concurrency} client loops, PostgreSQL.\n\n{table}\n{summary}\n");
        output.WriteLine();
        output.Write(table);
        output.WriteLine(summary);
        var failed = results.Count(r => !r.Conserved);
        output.WriteLine();
        output.WriteLine($"money conservation: {results.Count} checks, {(failed == 0 ? "all conserved" : $"{failed} NOT conserved or failed")}");
        output.WriteLine($"report: {report}");
        output.WriteLine($"total run time: {clock.Elapsed.TotalSeconds:0} s");
        return failed == 0 ? 0 : 1;
    }

    private static async Task<ProcessPoint> RunPointAsync(int silos, BenchOptions options, KeySpace keys, int concurrency, TimeSpan warmup,
        DateTimeOffset started, string folder, Progress progress)
    {
        var clusterId = $"bench-{started:yyyyMMddHHmmss}-{silos}";
        var expected = keys.Count * StorageRun.Funding;
        try
        {
            await using var cluster = await SiloProcesses.StartAsync(silos, clusterId, Path.Combine(folder, $"{silos}-silos"));
            progress.Line($"{silos} silo process{(silos == 1 ? "" : "es")} active (cluster {clusterId}); funding {keys.Count:N0} accounts");
            var system = new TwoPcClientSystem(cluster.Client, keys, "p" + started.ToString("yyyyMMddHHmmss", null));
            var funding = Stopwatch.StartNew();
            await system.FundAsync(StorageRun.Funding, 64);
            var fundingSeconds = funding.Elapsed.TotalSeconds;

            TimeSpan cpuAtStart = default, cpuAtEnd = default;
            long? rowsAtStart = null, rowsAtEnd = null;
            var setup = new CellSetup(keys, Workload.Transfer2Uniform, options.Seed, $"silo-processes-{silos}", $"s{silos}", concurrency,
                warmup, options.Duration, Book: null, options.JitSettle);
            var measured = await CellRunner.RunAsync(system,
                setup,
                () =>
                {
                    rowsAtStart = cluster.StorageRowWritesAsync().GetAwaiter().GetResult();
                    cpuAtStart = cluster.SiloCpu();
                },
                () =>
                {
                    cpuAtEnd = cluster.SiloCpu();
                    rowsAtEnd = cluster.StorageRowWritesAsync().GetAwaiter().GetResult();
                });
            var (sum, settle) = await system.SettledSumAsync(expected, TimeSpan.FromSeconds(30));
            var committed = Math.Max(1, measured.Committed);
            var latency = LatencyStats.From(measured.Latency);
            return new ProcessPoint(silos, measured.Committed / measured.MeasuredSeconds, measured.Committed, measured.Aborted, measured.Failed,
                latency.P50Ms, latency.P99Ms, (cpuAtEnd - cpuAtStart).TotalMilliseconds / committed, measured.CpuSeconds * 1000 / committed,
                rowsAtStart is { } a && rowsAtEnd is { } b ? (b - a) / (double)committed : null, measured.MeasuredSeconds, fundingSeconds,
                expected, sum, settle, null);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or OrleansException or IOException)
        {
            return new ProcessPoint(silos, 0, 0, 0, 0, 0, 0, 0, 0, null, 0, 0, expected, 0, 0, ex.Message);
        }
    }

    private static string Table(IReadOnlyList<ProcessPoint> points)
    {
        var first = points.FirstOrDefault(p => p.Error is null);
        var md = new StringBuilder();
        md.AppendLine("| silo processes | tx/s | p50 ms | p99 ms | aborts + failed | CPU ms/tx silos | CPU ms/tx client | rows written/commit | tx/s vs first | money |");
        md.AppendLine("|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
        foreach (var p in points)
        {
            md.AppendLine(p.Error is not null
                ? $"| {p.Silos} | failed: {p.Error} | | | | | | | | |"
                : string.Create(CultureInfo.InvariantCulture,
                    $"| {p.Silos} | {p.Tps:N0} | {p.P50Ms:0.0} | {p.P99Ms:0.0} | {p.Aborted + p.Failed} | {p.SiloCpuMsPerTx:0.00} | {p.ClientCpuMsPerTx:0.00} | " +
                    $"{F(p.RowWritesPerCommit, "0.0")} | {(first is null ? "" : (p.Tps / first.Tps).ToString("0.00", CultureInfo.InvariantCulture))} | {(p.Conserved ? "conserved" : "NOT conserved")} |"));
        }

        return md.ToString();
    }

    /// <summary>The SWEEP line: throughput at the last point against the first, and the estimated CPU of a call between silo processes.</summary>
    private static string Summary(IReadOnlyList<ProcessPoint> points)
    {
        var ok = points.Where(p => p.Error is null && p.Committed > 0).ToList();
        if (ok.Count < 2)
        {
            return "SWEEP silo-processes storage=postgres: fewer than two points ran";
        }

        // Fewest against most silos, whatever order the points ran in.
        var (first, last) = (ok.MinBy(p => p.Silos)!, ok.MaxBy(p => p.Silos)!);
        double Remote(int silos) => GrainCallsPerTransfer * (silos - 1) / silos;
        var extra = Remote(last.Silos) - Remote(first.Silos);
        var perCall = extra > 0 ? ((last.SiloCpuMsPerTx + last.ClientCpuMsPerTx) - (first.SiloCpuMsPerTx + first.ClientCpuMsPerTx)) / extra : double.NaN;
        return string.Create(CultureInfo.InvariantCulture,
            $"SWEEP silo-processes storage=postgres: tx/s at {last.Silos} / {first.Silos} silo processes = {last.Tps / first.Tps:0.00}; " +
            $"p99 {first.P99Ms:N0} -> {last.P99Ms:N0} ms; CPU ms/tx (silos + client) {first.SiloCpuMsPerTx + first.ClientCpuMsPerTx:0.00} -> " +
            $"{last.SiloCpuMsPerTx + last.ClientCpuMsPerTx:0.00}; CPU per call between silo processes ~{F(perCall, "0.000")} ms " +
            $"(CPU difference / {extra:0.0} more cross-process grain calls per transfer, estimated as {GrainCallsPerTransfer:0} x (N-1)/N)");
    }

    private static string F(double? value, string format) =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";
}
