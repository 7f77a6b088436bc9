using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.TestingHost;

namespace OrleansTwoPc.Chaos;

/// <summary>
/// Kills a seeded random silo every few seconds and starts a replacement, for the fault phase; with a
/// <paramref name="pauseShare"/>, that share of the faults pauses the silo instead (<see cref="SiloPause"/>) for
/// <see cref="PauseLength"/>, long enough for the others to declare it dead, and then lets it run on as a zombie until
/// it notices. The fault times are drawn up front from the seed (and the victims by index into the live silos in start
/// order), so one seed replays the same schedule; only how long a kill or a start takes depends on the machine. The
/// pause draws come from a stream of their own, so runs without pauses keep their schedules.
/// </summary>
public sealed class FaultLoop(ChaosCluster cluster, ChaosStorageFaults storage, int seed, TimeSpan killInterval, TextWriter output,
    double pauseShare = 0, MessageDelays? delays = null)
{
    /// <summary>
    /// A pause lasts 3 to 8 s: membership here declares a silo dead after about 2-4 s of missed probes, so most pauses
    /// end in a zombie and some in a silo that is merely slow.
    /// </summary>
    public static readonly (TimeSpan Min, TimeSpan Max) PauseLength = (TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(8));

    /// <summary>
    /// How much later than its calls and storage a resumed silo's membership table resumes (0 to this, seeded): a woken
    /// process runs its queued work before its membership refresh tells it that it is dead.
    /// </summary>
    public static readonly TimeSpan ZombieLag = TimeSpan.FromSeconds(1.5);

    /// <summary>How long a resumed silo may take to learn it was declared dead and stop itself.</summary>
    private static readonly TimeSpan ZombieNotice = TimeSpan.FromSeconds(8);

    private readonly Stopwatch _clock = new();
    private int _kills;
    private int _starts;
    private int _pauses;
    private int _zombies;
    private int _held;

    public int Kills => Volatile.Read(ref _kills);

    public int Starts => Volatile.Read(ref _starts);

    public int Pauses => Volatile.Read(ref _pauses);

    /// <summary>Pauses after which the silo found itself declared dead (its grains had been re-activated elsewhere).</summary>
    public int Zombies => Volatile.Read(ref _zombies);

    /// <summary>Calls, storage and membership operations paused silos held until they resumed.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>
    /// Arms the storage faults (and message delays) and runs the fault schedule until <paramref name="stop"/>; disarms
    /// them on the way out.
    /// The last replacement is started before returning, so the cluster ends at its target size.
    /// </summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var random = Seeds.Stream(seed, Seeds.FaultStream);
        var pauses = Seeds.Stream(seed, Seeds.PauseStream);
        // Never fewer than this many live silos: a 3-silo cluster keeps 2, a 1-silo cluster starts its replacement first.
        var minAlive = Math.Max(1, cluster.TargetSilos - 1);
        _clock.Start();
        var next = TimeSpan.Zero;
        storage.Armed = true;
        delays?.Armed = true;
        try
        {
            while (true)
            {
                next += killInterval * (0.7 + (0.6 * random.NextDouble()));
                var victimDraw = random.Next();
                var pauseBeforeRestart = TimeSpan.FromMilliseconds(random.Next(0, 1500));
                var pause = pauses.NextDouble() < pauseShare;
                var pauseLength = PauseLength.Min + ((PauseLength.Max - PauseLength.Min) * pauses.NextDouble());
                var zombieLag = ZombieLag * pauses.NextDouble();
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
                if (pause)
                {
                    await PauseAsync(victim, pauseLength, zombieLag);
                }
                else
                {
                    output.WriteLine($"  {_clock.Elapsed.TotalSeconds,6:0.0}s kill {victim.Name} ({victim.SiloAddress})");
                    await cluster.Inner.KillSiloAsync(victim, CancellationToken.None);
                    Interlocked.Increment(ref _kills);
                }

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
            delays?.Armed = false;
        }

        while (cluster.LiveSilos.Count < cluster.TargetSilos)
        {
            await StartOneAsync();
        }
    }

    /// <summary>
    /// Pauses <paramref name="victim"/> for <paramref name="length"/> (never cut short: a pause always ends), resumes
    /// it (its membership table <paramref name="zombieLag"/> later), and if it was declared dead meanwhile, waits until
    /// it notices and stops, then retires its handle so a replacement is started.
    /// </summary>
    private async Task PauseAsync(InProcessSiloHandle victim, TimeSpan length, TimeSpan zombieLag)
    {
        var gate = victim.ServiceProvider.GetRequiredService<SiloPause>();
        var heldBefore = gate.Held;
        output.WriteLine($"  {_clock.Elapsed.TotalSeconds,6:0.0}s pause {victim.Name} ({victim.SiloAddress}) for {length.TotalSeconds:0.0}s");
        gate.Pause();
        Interlocked.Increment(ref _pauses);
        try
        {
            await Task.Delay(length, CancellationToken.None);
        }
        finally
        {
            await gate.ResumeAsync(zombieLag);
        }

        // Declared dead while it slept? Then it learns so from the table at once and stops itself (the test host's
        // fatal error handler); until then it runs as a zombie. Otherwise it simply carries on.
        var held = gate.Held - heldBefore;
        Interlocked.Add(ref _held, held);
        if (!cluster.LiveSilos.Where(s => s != victim).Any(s => DeclaredDead(s, victim)))
        {
            output.WriteLine($"  {_clock.Elapsed.TotalSeconds,6:0.0}s resumed {victim.Name}: still a member ({held} calls, writes and membership operations had waited)");
            return;
        }

        var stopping = victim.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var noticed = Stopwatch.StartNew();
        while (!stopping.IsCancellationRequested && noticed.Elapsed < ZombieNotice)
        {
            await Task.Delay(100, CancellationToken.None);
        }

        Interlocked.Increment(ref _zombies);
        output.WriteLine($"  {_clock.Elapsed.TotalSeconds,6:0.0}s resumed {victim.Name} as a zombie: declared dead meanwhile, ran " +
            $"{zombieLag.TotalSeconds:0.0}s before its membership table resumed, then " +
            (stopping.IsCancellationRequested ? $"stopped itself {noticed.Elapsed.TotalSeconds:0.0}s later" : $"was still running after {ZombieNotice.TotalSeconds:0}s and was killed") +
            $" ({held} calls, writes and membership operations had waited)");
        try
        {
            await cluster.Inner.KillSiloAsync(victim, CancellationToken.None);
        }
        catch (Exception)
        {
            // It is stopping itself already; the handle is retired either way.
        }
    }

    private static bool DeclaredDead(InProcessSiloHandle observer, InProcessSiloHandle silo) =>
        observer.ServiceProvider.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.GetSiloStatus(silo.SiloAddress) == SiloStatus.Dead;

    private async Task StartOneAsync()
    {
        var silo = await cluster.Inner.StartAdditionalSiloAsync();
        Interlocked.Increment(ref _starts);
        output.WriteLine($"  {_clock.Elapsed.TotalSeconds,6:0.0}s started {silo.Name} ({silo.SiloAddress})");
    }
}
