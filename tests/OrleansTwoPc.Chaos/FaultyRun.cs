using System.Diagnostics;

namespace OrleansTwoPc.Chaos;

/// <summary>What one faulty run produced, for the checker and the report.</summary>
public sealed record RunData(
    History History,
    FinalState Final,
    int Kills,
    ChaosStorageFaults Storage,
    ChaosLog Log,
    TimeSpan SetupTime,
    TimeSpan FaultTime,
    TimeSpan DrainTime,
    TimeSpan SettleTime)
{
    /// <summary>
    /// Set by an external run: the cluster was someone else's (no storage faults injected here) and this says how
    /// its final state was read.
    /// </summary>
    public string? External { get; init; }

    /// <summary>Silos paused (in process by the fault loop, externally by the caller's SIGSTOP).</summary>
    public int Pauses { get; init; }

    /// <summary>In process: pauses after which the silo found itself declared dead; and what paused silos held.</summary>
    public string? PauseReport { get; init; }

    /// <summary>External: the submissions the workload made (every one left one response; status probes excluded).</summary>
    public int Submissions { get; init; }

    /// <summary>External with <c>--http</c>: how many of them went through a silo's HTTP API; null without <c>--http</c>.</summary>
    public int? HttpSubmissions { get; init; }

    /// <summary>External with <c>--http</c>: how many of those got a definite answer (committed or aborted) over HTTP.</summary>
    public int HttpAnswered { get; init; }

    /// <summary>In process with <c>--delays</c>: the held protocol messages.</summary>
    public MessageDelays? Delays { get; init; }

    /// <summary>
    /// What the run was asked to do and did not (too few faults, an outage that never happened, a final state not read
    /// from storage): each fails the run, whatever the checker found.
    /// </summary>
    public IReadOnlyList<string> Unfulfilled { get; init; } = [];
}

/// <summary>The workload a faulty run drives: a setup before the faults, and one loop per client during them.</summary>
public interface IChaosWorkload
{
    Task SetUpAsync(IClusterClient client, History history);

    /// <summary>Submits work until <paramref name="stop"/>; submissions in flight then finish without cancellation.</summary>
    Task RunClientAsync(IClusterClient client, History history, int index, CancellationToken stop);
}

/// <summary>
/// The shape every chaos run shares: a fresh SQLite cluster, the setup, then clients and the fault loop together for
/// the duration, then heal, settle and read the final state. Exactly-once and compare runs differ only in workload.
/// </summary>
public static class FaultyRun
{
    public static async Task<RunData> RunAsync(ChaosOptions options, IChaosWorkload workload, string name, TextWriter output)
    {
        var log = new ChaosLog(options.Verbose, output);
        var storage = new ChaosStorageFaults(options.Seed, options.StorageFaultRate, options.SlowWriteRate);
        var delays = new MessageDelays(options.Seed, options.EffectiveDelayRate, ChaosCluster.ProtocolTimeout);
        var history = new History();
        var clock = Stopwatch.StartNew();
        await using var cluster = await ChaosCluster.StartAsync(options.Silos, storage, log, $"twopc-chaos-{name}", keepTrail: !options.Forget, delays);
        await workload.SetUpAsync(cluster.Client, history);
        var setupTime = clock.Elapsed;
        output.WriteLine($"[{name}] cluster of {options.Silos} up and set up in {setupTime.TotalSeconds:0.0}s; faults for {options.Duration.TotalSeconds:0}s");

        var faults = new FaultLoop(cluster, storage, options.Seed, options.KillInterval, output, options.EffectivePauseShare, delays);
        using var stop = new CancellationTokenSource(options.Duration);
        var clients = Enumerable.Range(0, options.Clients)
            .Select(i => Task.Run(() => workload.RunClientAsync(cluster.Client, history, i, stop.Token), CancellationToken.None))
            .ToList();
        await faults.RunAsync(stop.Token);
        var faultTime = clock.Elapsed - setupTime;

        // Clients stop submitting at the deadline; what is in flight finishes (bounded by the client deadline).
        await Task.WhenAll(clients);
        var drainTime = clock.Elapsed - setupTime - faultTime;
        output.WriteLine($"[{name}] faults stopped after {faults.Kills} kills, {faults.Pauses} pauses, {storage.Injected} storage faults, " +
            $"{delays.Delayed} held messages; clients drained in {drainTime.TotalSeconds:0.0}s");

        await cluster.HealAsync();
        var settleClock = Stopwatch.StartNew();
        // Every participant any request named, not only the fixed universe: a workload may add its own (e.g. banks).
        var participants = Universe.Participants
            .Concat(history.Operations.SelectMany(o => o.Request.Operations.Select(op => op.Participant)))
            .Distinct().ToList();
        var final = await new Quiescence(cluster.Client, cluster.DeactivateAsync, output).SettleAsync(
            history.Operations.Select(o => o.Id).ToList(), participants, options.QuiesceTimeout);
        output.WriteLine($"[{name}] {(final.Settled ? "settled" : "NOT settled")} after {final.WaitedFor.TotalSeconds:0.0}s; final state read through storage");
        return new RunData(history, final, faults.Kills, storage, log, setupTime, faultTime, drainTime, settleClock.Elapsed)
        {
            Pauses = faults.Pauses,
            PauseReport = $"{faults.Zombies} woke as zombies (declared dead meanwhile), {faults.Pauses - faults.Zombies} still members; " +
                $"{faults.Held} calls, storage and membership operations waited for a resume",
            Delays = options.EffectiveDelayRate > 0 ? delays : null,
        };
    }
}
