using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansTwoPc.Benchmark.Probes;
using OrleansTwoPc.Benchmark.Reporting;
using OrleansTwoPc.Benchmark.Running;
using OrleansTwoPc.Benchmark.Workloads;

namespace OrleansTwoPc.Benchmark;

/// <summary>One benchmark run: every storage in turn, then report.md, results.json, the plots and the RESULT lines.</summary>
public static class BenchmarkRun
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task<int> RunAsync(BenchOptions options, IReadOnlyList<string> args, TextWriter output)
    {
        if (options.Sweep == "silo-processes")
        {
            return await ProcessSweep.RunAsync(options, args, output);
        }

        if (options.Sweep is not null)
        {
            return await RunSweepAsync(options, args, output);
        }

        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        var folder = Path.GetFullPath(Path.Combine(options.OutputRoot, started.ToString("yyyyMMdd-HHmmss", null)));
        Directory.CreateDirectory(folder);
        var keys = new KeySpace(options.Accounts, options.Seed);
        var runTag = "b" + started.ToString("yyyyMMddHHmmss", null);
        var groups = Plan.For(options);
        var cells = options.Storages.Sum(storage => 2 + groups.Sum(g => g.Concurrency.Count * Plan.Systems(g.Workload, storage, options).Count));
        var progress = new Progress(output, cells) { WarmupShown = options.Warmup.TotalSeconds + 2 };
        progress.Line($"benchmark: storages {string.Join(",", options.Storages)}, {(options.Quick ? "quick" : "full")}, " +
            $"{options.Warmup.TotalSeconds:0.##} s warm-up + {options.Duration.TotalSeconds:0.##} s per cell, " +
            $"{cells} cells; results in {folder}");

        using var meter = new MeterProbe();
        var storages = new List<StorageResult>();
        foreach (var storage in options.Storages)
        {
            storages.Add(await new StorageRun(options, StorageScope.Full(options, keys), storage, runTag, folder, progress, meter).RunAsync());
        }

        var run = new RunResult
        {
            StartedAt = started,
            Command = "dotnet run -c Release --project tests/OrleansTwoPc.Benchmark -- " + string.Join(' ', args),
            Machine = Machine(),
            Code = CodeVersion(),
            Options = options,
            Accounts = keys.Count,
            FundingPerAccount = StorageRun.Funding,
            HottestAccountShare = keys.HottestShare,
            Storages = storages,
            MeterInstruments = meter.Instruments,
        };
        run.ResultLines = storages.SelectMany(s => Headline.All(s, headlineOnly: true)).Select(h => h.ResultLine()).ToList();
        run.HttpPath = storages.SelectMany(HttpCost.All).ToList();

        var plots = new Dictionary<string, IReadOnlyList<(string Title, string File)>>(StringComparer.Ordinal);
        foreach (var storage in storages.Where(s => s.Cells.Count > 0))
        {
            try
            {
                plots[storage.Storage] = Plots.Write(storage, folder);
            }
            catch (Exception ex) when (ex is TypeInitializationException or DllNotFoundException or InvalidOperationException)
            {
                progress.Line($"plots for {storage.Storage} failed: {ex.Message}");
            }
        }

        run.TotalSeconds = clock.Elapsed.TotalSeconds;
        await File.WriteAllTextAsync(Path.Combine(folder, "results.json"), JsonSerializer.Serialize(run, Json));
        var report = Path.Combine(folder, "report.md");
        await File.WriteAllTextAsync(report, MarkdownReport.Build(run, plots));

        output.WriteLine();
        foreach (var line in run.ResultLines)
        {
            output.WriteLine(line);
        }

        var failures = storages.Where(s => s.Error is not null).Select(s => s.Storage).ToList();
        return Conclude(output, storages, failures.Count > 0 ? $"failed storages: {string.Join(", ", failures)}" : null, report, clock);
    }

    /// <summary>A scale sweep (issue 16): its clusters one after another per storage, then report.md, results.json and SWEEP lines.</summary>
    private static async Task<int> RunSweepAsync(BenchOptions options, IReadOnlyList<string> args, TextWriter output)
    {
        var sweep = options.Sweep!;
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        var folder = Path.GetFullPath(Path.Combine(options.OutputRoot, started.ToString("yyyyMMdd-HHmmss", null) + "-" + sweep));
        Directory.CreateDirectory(folder);
        var runTag = "s" + started.ToString("yyyyMMddHHmmss", null);
        var scopes = Sweep.Scopes(options);
        var cells = options.Storages.Sum(storage => scopes.Sum(p => p.Scope.Groups.Sum(g => g.Concurrency.Count * p.Scope.Systems(g.Workload, storage).Count)));
        var progress = new Progress(output, cells) { WarmupShown = options.Warmup.TotalSeconds + 2 };
        progress.Line($"sweep {sweep}: storages {string.Join(",", options.Storages)}, points {string.Join(",", Sweep.Points(options))}, " +
            $"{options.Warmup.TotalSeconds:0.##} s warm-up + {options.Duration.TotalSeconds:0.##} s per cell, {cells} cells; results in {folder}");

        using var meter = new MeterProbe();
        var storages = new List<StorageResult>();
        foreach (var storage in options.Storages)
        {
            foreach (var (point, scope) in scopes)
            {
                progress.Point = point;
                storages.Add(await new StorageRun(options, scope, storage, runTag, folder, progress, meter).RunAsync());
            }
        }

        progress.Point = null;
        var run = new SweepRunResult
        {
            Sweep = sweep,
            StartedAt = started,
            Command = "dotnet run -c Release --project tests/OrleansTwoPc.Benchmark -- " + string.Join(' ', args),
            Machine = Machine(),
            Code = CodeVersion(),
            Options = options,
            Storages = storages,
            Summary = SweepReport.Verdicts(sweep, storages),
            TotalSeconds = clock.Elapsed.TotalSeconds,
        };
        await File.WriteAllTextAsync(Path.Combine(folder, "results.json"), JsonSerializer.Serialize(run, Json));
        var report = Path.Combine(folder, "report.md");
        await File.WriteAllTextAsync(report, SweepReport.Build(run));

        output.WriteLine();
        output.Write(SweepReport.Tables(sweep, storages));
        foreach (var line in run.Summary)
        {
            output.WriteLine(line);
        }

        var failures = storages.Count(s => s.Error is not null);
        return Conclude(output, storages, failures > 0 ? $"{failures} cluster(s) failed" : null, report, clock);
    }

    /// <summary>The run's last lines (money conservation, where the report is, the run time) and its exit code.</summary>
    /// <param name="failed">What failed to run, or null when everything ran.</param>
    private static int Conclude(TextWriter output, IReadOnlyList<StorageResult> storages, string? failed, string report, Stopwatch clock)
    {
        var violations = storages.Sum(s => s.Checks.Count(c => !c.Conserved));
        output.WriteLine();
        output.WriteLine($"money conservation: {storages.Sum(s => s.Checks.Count)} checks, {(violations == 0 ? "all conserved" : $"{violations} NOT conserved")}" +
            (failed is null ? "" : "; " + failed));
        output.WriteLine($"report: {report}");
        output.WriteLine($"total run time: {clock.Elapsed.TotalSeconds:0} s");
        return violations == 0 && failed is null ? 0 : 1;
    }

    /// <summary>Which OrleansTwoPc was measured: the commit, and whether its source had uncommitted changes (others edit concurrently).</summary>
    private static string CodeVersion()
    {
        var grains = typeof(OrleansTwoPc.Coordinator.TransactionCoordinatorGrain).Assembly.Location;
        var built = File.Exists(grains) ? $", OrleansTwoPc.Grains.dll built {File.GetLastWriteTimeUtc(grains):yyyy-MM-dd HH:mm} UTC" : "";
        try
        {
            var commit = Git("rev-parse --short HEAD");
            var dirty = Git("status --porcelain -- Grains GrainInterfaces");
            return $"commit {commit}{(dirty.Length > 0 ? " with uncommitted changes in Grains/GrainInterfaces" : "")}{built}";
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return $"unknown commit{built}";
        }
    }

    private static string Git(string arguments)
    {
        using var git = Process.Start(new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("git did not start");
        var text = git.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        return git.ExitCode == 0 ? text : throw new InvalidOperationException("git failed");
    }

    private static string Machine()
    {
        var cpu = "";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "";
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return $"{Environment.ProcessorCount} cores{(cpu.Length > 0 ? $" ({cpu})" : "")}, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
