using System.Diagnostics;
using System.Globalization;

namespace OrleansTwoPc.Benchmark.Running;

/// <summary>Plain console progress lines, each prefixed with the time since the run started.</summary>
public sealed class Progress(TextWriter output, int totalCells)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _cells;

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Warm-ups longer than this (seconds) are shown on the cell's line: the JIT held the window back (a quiet JIT costs one 1 s sample).</summary>
    public double WarmupShown { get; set; } = double.MaxValue;

    /// <summary>The sweep point being run (e.g. "1,000,000 accounts"), shown on each cell line; null outside sweeps.</summary>
    public string? Point { get; set; }

    public void Line(string text)
    {
        lock (output)
        {
            output.WriteLine($"[{_clock.Elapsed:mm\\:ss}] {text}");
        }
    }

    public void Cell(CellResult cell)
    {
        var n = Interlocked.Increment(ref _cells);
        var unit = cell.System == "ceiling" ? "writes/s" : cell.System == "noop" ? "calls/s" : "tx/s";
        var extra = cell.Failed > 0 ? $"  failed {cell.Failed}" : "";
        if (cell.WarmupSeconds > WarmupShown)
        {
            extra += string.Create(CultureInfo.InvariantCulture, $"  (warm-up {cell.WarmupSeconds:0} s: JIT at {cell.JitShareAtStart:P0} of a core)");
        }

        if (cell.Committed + cell.Aborted + cell.Failed == 0)
        {
            Line($"{n,3}/{totalCells} {cell.Storage} {cell.Workload} c={cell.Concurrency} {cell.System,-16} nothing completed inside the measured window (drain {cell.DrainSeconds:0.0} s)");
            return;
        }

        Line(string.Create(CultureInfo.InvariantCulture,
            $"{n,3}/{totalCells} {cell.Storage}{(Point is null ? "" : " [" + Point + "]")} {cell.Workload} c={cell.Concurrency} {cell.System,-16} {cell.Tps,9:N0} {unit,-8} aborts {cell.AbortRate,6:P1}  p50 {cell.Latency.P50Ms,7:0.0} ms  p99 {cell.Latency.P99Ms,7:0.0} ms{extra}"));
    }

    public void Check(ConservationCheck check) => Line(string.Create(CultureInfo.InvariantCulture,
        $"        money {check.Ledger,-10} after {check.After}: {(check.Conserved ? "conserved" : check.Unsettled > 0 ? $"NOT SETTLED ({check.Unsettled} accounts)" : "NOT CONSERVED")} " +
        $"(sum {check.Actual:N0} of {check.Expected:N0}, {check.AccountsRead:N0} accounts read in {check.ReadSeconds:0.00} s, settled after {check.SettleMs:0} ms)"));
}
