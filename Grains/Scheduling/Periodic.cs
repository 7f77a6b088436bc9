namespace OrleansTwoPc.Scheduling;

/// <summary>Waits between rounds of a silo's background loops (recovery and retention sweeps).</summary>
internal static class Periodic
{
    // Task.Delay takes at most about 49.7 days (uint.MaxValue - 1 ms); a longer interval is waited in steps.
    private static readonly TimeSpan MaxStep = TimeSpan.FromDays(1);

    /// <summary>
    /// Waits a random 0.5x to 1x of <paramref name="interval"/> (jitter keeps the silos of a cluster from sweeping in
    /// lock step). Any interval works, a ten-year one included: a wait Task.Delay refused would make its loop spin.
    /// </summary>
    public static async Task WaitAsync(TimeSpan interval, TimeProvider time, CancellationToken stopping)
    {
        var remaining = interval * (0.5 + (Random.Shared.NextDouble() / 2));
        while (remaining > TimeSpan.Zero)
        {
            var step = remaining < MaxStep ? remaining : MaxStep;
            await Task.Delay(step, time, stopping);
            remaining -= step;
        }
    }
}
