using System.Diagnostics;
using HdrHistogram;
using OrleansTwoPc.Benchmark.Systems;
using OrleansTwoPc.Benchmark.Workloads;

namespace OrleansTwoPc.Benchmark.Running;

/// <summary>
/// What one cell runs: a key stream, a number of client loops, the warm-up and measured times, and how much longer the
/// warm-up may last while the JIT is still busy (<see cref="JitQuiet"/>; zero measures right after <c>Warmup</c>).
/// </summary>
public sealed record CellSetup(KeySpace Keys, Workload Stream, int Seed, string StreamKey, string Tag, int Concurrency,
    TimeSpan Warmup, TimeSpan Measure, LedgerBook? Book, TimeSpan JitSettleLimit = default);

/// <summary>The raw numbers of one cell before they are turned into a <see cref="CellResult"/>.</summary>
public sealed record CellMeasurement(long Committed, long Aborted, long Failed, IReadOnlyDictionary<string, long> Reasons,
    LongHistogram Latency, LongHistogram Inner, double MeasuredSeconds, double CpuSeconds, double GcPauseSeconds, double DrainSeconds, bool DrainTimedOut,
    double WarmupSeconds, double JitShareAtStart);

/// <summary>
/// Closed-loop load: <c>Concurrency</c> client loops, each sending its next operation when the previous answer
/// arrives. Each loop runs warm-up then measurement on one continuous key stream. Throughput counts the operations
/// that completed inside the measured window; latency is recorded for exactly those.
/// </summary>
public static class CellRunner
{
    /// <summary>How long the operations still in flight at the end may take before the cell is reported as stuck.</summary>
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(90);

    public static async Task<CellMeasurement> RunAsync(IBenchSystem system, CellSetup setup, Action? atMeasureStart, Action? atMeasureEnd)
    {
        var window = new Window();
        var workers = Enumerable.Range(0, setup.Concurrency)
            .Select(w => Task.Run(() => WorkerAsync(system, setup, w, window)))
            .ToList();

        await Task.Delay(setup.Warmup);
        var jitShare = await JitQuiet.WaitAsync(setup.JitSettleLimit);
        var warmupSeconds = Stopwatch.GetElapsedTime(window.Created).TotalSeconds;
        using var process = Process.GetCurrentProcess();
        try
        {
            atMeasureStart?.Invoke();
        }
        catch
        {
            window.Open(TimeSpan.Zero); // the loops stop instead of warming forever
            throw;
        }

        process.Refresh();
        var cpuAtStart = process.TotalProcessorTime;
        var gcAtStart = GC.GetTotalPauseDuration();
        var end = window.Open(setup.Measure);
        await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), end) is var toEnd && toEnd > TimeSpan.Zero ? toEnd : TimeSpan.Zero);
        process.Refresh();
        var cpuSeconds = (process.TotalProcessorTime - cpuAtStart).TotalSeconds;
        var gcSeconds = (GC.GetTotalPauseDuration() - gcAtStart).TotalSeconds;
        atMeasureEnd?.Invoke();

        var drained = Stopwatch.GetTimestamp();
        var timedOut = false;
        try
        {
            await Task.WhenAll(workers).WaitAsync(DrainLimit);
        }
        catch (TimeoutException)
        {
            timedOut = true;
        }

        var drainSeconds = Stopwatch.GetElapsedTime(drained).TotalSeconds;
        var tallies = workers.Where(w => w.IsCompletedSuccessfully).Select(w => w.Result).ToList();
        var latency = NewHistogram();
        var inner = NewHistogram();
        var reasons = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var tally in tallies)
        {
            latency.Add(tally.Latency);
            inner.Add(tally.Inner);
            foreach (var (reason, count) in tally.Reasons)
            {
                reasons[reason] = reasons.GetValueOrDefault(reason) + count;
            }
        }

        return new CellMeasurement(tallies.Sum(t => t.Committed), tallies.Sum(t => t.Aborted), tallies.Sum(t => t.Failed),
            reasons, latency, inner, setup.Measure.TotalSeconds, cpuSeconds, gcSeconds, drainSeconds, timedOut, warmupSeconds, jitShare);
    }

    public static LongHistogram NewHistogram() => new(1, 600_000_000, 3);

    private static async Task<Tally> WorkerAsync(IBenchSystem system, CellSetup setup, int worker, Window window)
    {
        var stream = new OperationStream(setup.Keys, setup.Stream, setup.Seed, setup.StreamKey, worker);
        var tally = new Tally();
        for (long sequence = 0; ; sequence++)
        {
            var start = Stopwatch.GetTimestamp();
            if (start >= window.End)
            {
                return tally;
            }

            var legs = stream.Next();
            setup.Book?.Touch(legs);
            var result = await system.ExecuteAsync(legs, new OpContext(setup.Tag, worker, sequence));
            var finish = Stopwatch.GetTimestamp();
            if (finish >= window.Start && finish < window.End)
            {
                tally.Record(result, finish - start);
                system.Measured(result, start, finish);
            }
        }
    }

    /// <summary>
    /// The measured window, unknown while the warm-up lasts (it ends when the JIT is quiet, not at a fixed time): both
    /// bounds read as "never" until <see cref="Open"/> sets them, so the loops keep warming and record nothing.
    /// </summary>
    private sealed class Window
    {
        private long _start = long.MaxValue;
        private long _end = long.MaxValue;

        public long Created { get; } = Stopwatch.GetTimestamp();

        public long Start => Volatile.Read(ref _start);

        public long End => Volatile.Read(ref _end);

        /// <summary>Starts the window now; returns its end.</summary>
        public long Open(TimeSpan length)
        {
            var now = Stopwatch.GetTimestamp();
            var end = now + (long)(length.TotalSeconds * Stopwatch.Frequency);
            Volatile.Write(ref _end, end);
            Volatile.Write(ref _start, now);
            return end;
        }
    }

    private sealed class Tally
    {
        public LongHistogram Latency { get; } = NewHistogram();

        public LongHistogram Inner { get; } = NewHistogram();

        public Dictionary<string, long> Reasons { get; } = new(StringComparer.Ordinal);

        public long Committed { get; private set; }

        public long Aborted { get; private set; }

        public long Failed { get; private set; }

        public void Record(OpResult result, long ticks)
        {
            Latency.RecordValue(Micros(ticks));
            if (result.InnerTicks > 0)
            {
                Inner.RecordValue(Micros(result.InnerTicks));
            }

            switch (result.Status)
            {
                case OpStatus.Committed:
                    Committed++;
                    return;
                case OpStatus.Aborted:
                    Aborted++;
                    break;
                default:
                    Failed++;
                    break;
            }

            var reason = result.Reason ?? result.Status.ToString();
            Reasons[reason] = Reasons.GetValueOrDefault(reason) + 1;
        }

        private static long Micros(long ticks) => Math.Clamp(ticks * 1_000_000 / Stopwatch.Frequency, 1, 600_000_000);
    }
}
