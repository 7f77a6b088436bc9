using System.Diagnostics;
using System.Globalization;

namespace OrleansTwoPc.Chaos;

/// <summary>
/// The exactly-once run against a cluster of silo processes that someone else starts and kills (tests/cluster-chaos.sh,
/// on PostgreSQL): the same workload, quiescence and checker as the in-process run, but this program injects no
/// fault. Kills and pauses are the script's: it appends a line per kill and per pause to
/// <see cref="ChaosOptions.FaultsFile"/> (their counts are the run's; its PostgreSQL stop and start lines date the
/// outage for the recovery report), and a run with fewer than it was asked for fails (<see cref="RunClaims"/>). Storage faults and
/// slow storage exist only in process and are not used. The final state is read through the public grain API after
/// every idle activation was collected (the management grain), so each grain is read back from PostgreSQL. The
/// script's probe account (<see cref="ProbeAccountPrefix"/>) is not part of the run: no submitted request names it,
/// so the checker never sees it, and it is filtered out of the participants read besides.
/// </summary>
public static class ExternalRun
{
    /// <summary>The script's probe deposits go to accounts named so; they are not part of the run and never checked.</summary>
    public const string ProbeAccountPrefix = "outage-probe-";

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    public static async Task<RunData> RunAsync(ChaosOptions options, IChaosWorkload workload, string name, TextWriter output)
    {
        var log = new ChaosLog(options.Verbose, output);
        // Never armed: an external cluster's storage is not this program's to fail. Kept for the report's shape.
        var storage = new ChaosStorageFaults(options.Seed, 0, 0);
        var history = new History();
        var clock = Stopwatch.StartNew();
        await using var cluster = await ExternalCluster.ConnectAsync(options, log);
        output.WriteLine($"[{name}] connected to {string.Join(",", cluster.Gateways)} (cluster {options.ClusterId}, " +
            $"service {options.ServiceId}) in {clock.Elapsed.TotalSeconds:0.0}s; response timeout {ExternalCluster.ResponseTimeout.TotalSeconds:0}s");
        await workload.SetUpAsync(cluster.Client, history);
        var setupTime = clock.Elapsed;
        output.WriteLine($"[{name}] set up in {setupTime.TotalSeconds:0.0}s; workload for {options.Duration.TotalSeconds:0}s " +
            "(faults are the script's: silo kills and pauses, PostgreSQL outage)");

        using var stop = new CancellationTokenSource(options.Duration);
        var clients = Enumerable.Range(0, options.Clients)
            .Select(i => Task.Run(() => workload.RunClientAsync(cluster.Client, history, i, stop.Token), CancellationToken.None))
            .ToList();
        var all = Task.WhenAll(clients);
        await ReportProgressAsync(history, all, clock, output);
        await all;
        var faultTime = options.Duration;
        var drainTime = clock.Elapsed - setupTime - faultTime;
        output.WriteLine($"[{name}] workload stopped; clients drained in {drainTime.TotalSeconds:0.0}s; " +
            $"longest stretch without a new commit: {LongestCommitGap(history, clock, setupTime)}");

        var settleClock = Stopwatch.StartNew();
        var participants = Universe.Participants
            .Concat(history.Operations.SelectMany(o => o.Request.Operations.Select(op => op.Participant)))
            .Where(p => !p.Key.StartsWith(ProbeAccountPrefix, StringComparison.Ordinal))
            .Distinct().ToList();
        var (collected, stillActive) = ("not collected", -1);
        var final = await new Quiescence(cluster.Client, async _ => (collected, stillActive) = await CollectAsync(cluster), output).SettleAsync(
            history.Operations.Select(o => o.Id).ToList(), participants, options.QuiesceTimeout);
        output.WriteLine($"[{name}] {(final.Settled ? "settled" : "NOT settled")} after {final.WaitedFor.TotalSeconds:0.0}s; " +
            $"final state read after collecting every idle activation ({collected})");

        var faults = FaultLog.Read(options.FaultsFile);
        if (options.FaultsFile is null)
        {
            output.WriteLine("  kills and pauses: no --faults-file, so none counted");
        }

        ReportOutages(faults, history, output);
        ScanSiloLogs(options.SiloLogs, log, output);
        // Every submission left exactly one response (a status probe is not a submission), so they count them.
        var submissions = history.Operations.SelectMany(o => o.Responses).Where(r => r.Submission != Submission.StatusProbe).ToList();
        var overHttp = submissions.Where(r => r.ViaHttp).ToList();
        return new RunData(history, final, faults.Kills.Count, storage, log, setupTime, faultTime, drainTime, settleClock.Elapsed)
        {
            External = $"external cluster {options.ClusterId}; kills and pauses by the script; no storage faults injected; " +
                $"final state read through the grain API after activation collection ({collected})",
            Pauses = faults.Pauses.Count,
            Submissions = submissions.Count,
            HttpSubmissions = options.Http.Count > 0 ? overHttp.Count : null,
            HttpAnswered = overHttp.Count(r => r.IsDefinite),
            Unfulfilled = RunClaims.Unfulfilled(options, faults, stillActive, submissions.Count, overHttp.Count(r => r.IsDefinite)),
        };
    }

    /// <summary>
    /// Collects every idle activation on every silo, a few times if some of the service's grains stay active (busy
    /// with a call at that moment): afterwards each grain reads its state from storage again.
    /// </summary>
    /// <returns>What happened, and how many of the service's activations stayed active (0: everything is read from storage).</returns>
    private static async Task<(string Text, int StillActive)> CollectAsync(ExternalCluster cluster)
    {
        var first = -1;
        var remaining = -1;
        for (var round = 1; round <= 5; round++)
        {
            var (before, after) = await Quiescence.PatientlyAsync(cluster.CollectActivationsAsync);
            first = first < 0 ? before : first;
            remaining = after;
            if (remaining == 0)
            {
                return ($"{first} activations of coordinators and participants deactivated" + (round == 1 ? "" : $" in {round} rounds"), 0);
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        return ($"{remaining} of {first} activations of coordinators and participants still active after 5 rounds: those were read from memory", remaining);
    }

    /// <summary>While the clients run: a line every few seconds with the answers clients got in that window.</summary>
    private static async Task ReportProgressAsync(History history, Task clients, Stopwatch clock, TextWriter output)
    {
        var since = DateTimeOffset.UtcNow;
        while (await Task.WhenAny(clients, Task.Delay(ProgressInterval)) != clients)
        {
            var until = DateTimeOffset.UtcNow;
            var fresh = history.Operations.SelectMany(o => o.Responses)
                .Where(r => r.Submission != Submission.StatusProbe && r.At >= since && r.At < until).ToList();
            since = until;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {clock.Elapsed.TotalSeconds,6:0.0}s answers in the last {ProgressInterval.TotalSeconds:0}s: " +
                $"committed {fresh.Count(r => r.Status == TransactionStatus.Committed)}, " +
                $"aborted {fresh.Count(r => r.Status == TransactionStatus.Aborted)}, " +
                $"no definite answer {fresh.Count(r => !r.IsDefinite)}"));
        }
    }

    /// <summary>
    /// The longest time between two committed answers to first submissions (not replays): how long clients saw the
    /// cluster make no progress, e.g. around a PostgreSQL outage or a kill.
    /// </summary>
    private static string LongestCommitGap(History history, Stopwatch clock, TimeSpan setupTime)
    {
        var start = DateTimeOffset.UtcNow - clock.Elapsed + setupTime;
        var commits = NewCommits(history).Where(at => at >= start).Order().ToList();
        if (commits.Count < 2)
        {
            return "n/a (fewer than two commits)";
        }

        var (gap, from) = commits.Zip(commits.Skip(1), (a, b) => (Gap: b - a, From: a)).MaxBy(g => g.Gap);
        return string.Create(CultureInfo.InvariantCulture,
            $"{gap.TotalSeconds:0.0}s ({from:HH:mm:ss.fff}-{from + gap:HH:mm:ss.fff}, from {(from - start).TotalSeconds:0.0}s into the workload)");
    }

    /// <summary>
    /// For each PostgreSQL outage the caller logged: what clients got while it was down, and how soon after
    /// PostgreSQL was started again a client got a commit for a new submission (the cluster's recovery time as a
    /// client sees it).
    /// </summary>
    private static void ReportOutages(FaultLog faults, History history, TextWriter output)
    {
        var commits = NewCommits(history).ToList();
        foreach (var (stopped, started) in faults.Outages)
        {
            if (started is not { } back)
            {
                output.WriteLine($"  PostgreSQL outage from {stopped:HH:mm:ss.fff}: no start logged");
                continue;
            }

            var during = commits.Count(at => at >= stopped && at < back);
            var first = commits.Where(at => at >= back).Order().FirstOrDefault();
            var recovery = first == default
                ? "no commit after it"
                : string.Create(CultureInfo.InvariantCulture,
                    $"first new commit answered {(first - back).TotalSeconds:0.0}s after PostgreSQL started again " +
                    $"({(first - stopped).TotalSeconds:0.0}s after it stopped)");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  PostgreSQL outage {stopped:HH:mm:ss.fff}-{back:HH:mm:ss.fff} ({(back - stopped).TotalSeconds:0.0}s): " +
                $"{during} new commits answered while down; {recovery}"));
        }
    }

    /// <summary>When clients were told committed for a first submission (not a replay, not a status probe).</summary>
    private static IEnumerable<DateTimeOffset> NewCommits(History history) => history.Operations.Where(o => o.Kind != "setup")
        .SelectMany(o => o.Responses)
        .Where(r => r.Submission is Submission.First or Submission.ConcurrentDuplicate && r.Status == TransactionStatus.Committed)
        .Select(r => r.At);

    /// <summary>
    /// The silos are other processes, so their invariant assertions reach this program only through their logs: every
    /// line naming <c>ProtocolInvariantException</c> in <c>silo-*.log</c> counts as an invariant failure.
    /// </summary>
    internal static void ScanSiloLogs(string? folder, ChaosLog log, TextWriter output)
    {
        if (folder is null)
        {
            return;
        }

        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "silo-*.log") : [];
        var errors = 0;
        var invariants = 0;
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            foreach (var line in File.ReadLines(file))
            {
                if (line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal))
                {
                    errors++;
                }

                if (line.Contains("ProtocolInvariantException", StringComparison.Ordinal))
                {
                    log.ReportInvariantFailure(Path.GetFileName(file), line.Trim());
                    invariants++;
                }
            }
        }

        output.WriteLine($"  silo logs: {files.Length} files, {errors} error entries (counted, not shown), " +
            $"{invariants} lines naming ProtocolInvariantException");
    }
}
