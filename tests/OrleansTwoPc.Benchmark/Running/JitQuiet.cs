using System.Diagnostics;
using System.Runtime;

namespace OrleansTwoPc.Benchmark.Running;

/// <summary>
/// Waits until the JIT stops competing with the load. On this machine kind (2 cores) tiered compilation and dynamic PGO
/// recompile thousands of methods during the first 20-30 s of load, spending a third to two thirds of a core on it
/// (dotnet-counters: 0.7-1.5 s of JIT per 2 s). The first cell of a process (PostgreSQL, 1,000 accounts, 2.5 s warm-up)
/// ran 885 tx/s; waiting for the JIT to go quiet (19 s) made it 2,344. A fixed warm-up cannot know how long that
/// lasts; the JIT's own clock can.
/// </summary>
public static class JitQuiet
{
    /// <summary>The JIT counts as quiet once it used less than this share of one core over the last second.</summary>
    public const double QuietShare = 0.10;

    private static readonly TimeSpan Sample = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Returns once the JIT used less than <see cref="QuietShare"/> of a core over the last second, or after
    /// <paramref name="limit"/>; returns the share it used in that last second. A zero limit returns at once.
    /// </summary>
    public static async Task<double> WaitAsync(TimeSpan limit)
    {
        if (limit <= TimeSpan.Zero)
        {
            return double.NaN;
        }

        var waited = Stopwatch.StartNew();
        while (true)
        {
            var before = JitInfo.GetCompilationTime(currentThread: false);
            var clock = Stopwatch.StartNew();
            await Task.Delay(Sample);
            var share = (JitInfo.GetCompilationTime(currentThread: false) - before) / clock.Elapsed;
            if (share < QuietShare || waited.Elapsed >= limit)
            {
                return share;
            }
        }
    }
}
