using System.Diagnostics;

namespace OrleansTwoPc.Chaos;

/// <summary>
/// Kills a seeded random silo every few seconds and starts a replacement, for the fault phase. The kill times are
/// drawn up front from the seed (and the victims by index into the live silos in start order), so one seed replays
/// the same schedule; only how long a kill or a start takes depends on the machine.
/// </summary>
public sealed class FaultLoop(ChaosCluster cluster, ChaosStorageFaults storage, int seed, TimeSpan killInterval, TextWriter output)
{
    private readonly Stopwatch _clock = new();
    private int _kills;
    private int _starts;

    public int Kills => Volatile.Read(ref _kills);

    public int Starts => Volatile.Read(ref _starts);

    /// <summary>
    /// Arms the storage faults and runs the kill schedule until <paramref name="stop"/>; disarms them on the way out.
    /// The last replacement is started before returning, so the cluster ends at its target size.
    /// </summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var random = Seeds.Stream(seed, Seeds.FaultStream);
        // Never fewer than this many live silos: a 3-silo cluster keeps 2, a 1-silo cluster starts its replacement first.
        var minAlive = Math.Max(1, cluster.TargetSilos - 1);
        _clock.Start();
        var next = TimeSpan.Zero;
        storage.Armed = true;
        try
        {
            while (true)
            {
                next += killInterval * (0.7 + (0.6 * random.NextDouble()));
                var victimDraw = random.Next();
                var pauseBeforeRestart = TimeSpan.FromMilliseconds(random.Next(0, 1500));
                var wait = next - _clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, stop);
                }

                if (cluster.LiveSilos.Count - 1 < minAlive)
                {
                    await StartOneAsync();
                }

                var live = cluster.LiveSilos;
                var victim = live[victimDraw % live.Count];
                output.WriteLine($"  {_clock.Elapsed.TotalSeconds,6:0.0}s kill {victim.Name} ({victim.SiloAddress})");
                await cluster.Inner.KillSiloAsync(victim, CancellationToken.None);
                Interlocked.Increment(ref _kills);

                // A short, seeded gap: work meanwhile sees a cluster one silo short, as after a real crash.
                await Task.Delay(pauseBeforeRestart, stop);
                if (cluster.LiveSilos.Count < cluster.TargetSilos)
                {
                    await StartOneAsync();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The fault phase is over.
        }
        finally
        {
            storage.Armed = false;
        }

        while (cluster.LiveSilos.Count < cluster.TargetSilos)
        {
            await StartOneAsync();
        }
    }

    private async Task StartOneAsync()
    {
        var silo = await cluster.Inner.StartAdditionalSiloAsync();
        Interlocked.Increment(ref _starts);
        output.WriteLine($"  {_clock.Elapsed.TotalSeconds,6:0.0}s started {silo.Name} ({silo.SiloAddress})");
    }
}
