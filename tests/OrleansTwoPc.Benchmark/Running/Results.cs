using HdrHistogram;
using OrleansTwoPc.Benchmark.Probes;

namespace OrleansTwoPc.Benchmark.Running;

/// <summary>Latency of one cell in milliseconds, from an HdrHistogram (3 significant digits).</summary>
/// <remarks>
/// <see cref="AtLeast150MsShare"/>: the share of values of 150 ms or more. On SQLite that is the signature of a lock wait:
/// Microsoft.Data.Sqlite retries a busy database with a blocking <c>Thread.Sleep(150)</c>.
/// </remarks>
public sealed record LatencyStats(long Count, double MeanMs, double P50Ms, double P95Ms, double P99Ms, double P999Ms, double MaxMs,
    double AtLeast150MsShare, IReadOnlyList<double[]> Spectrum)
{
    public static LatencyStats From(LongHistogram micros)
    {
        if (micros.TotalCount == 0)
        {
            return new LatencyStats(0, 0, 0, 0, 0, 0, 0, 0, []);
        }

        long slow = 0;
        foreach (var value in micros.RecordedValues())
        {
            if (value.ValueIteratedTo >= 150_000)
            {
                slow += value.CountAtValueIteratedTo;
            }
        }

        double Ms(long us) => us / 1000.0;
        // Percentile spectrum for the latency plot: [percentile, ms], a few points per halving of the tail.
        var spectrum = micros.Percentiles(4)
            .Select(v => new[] { Math.Round(v.Percentile, 4), Ms(v.ValueIteratedTo) })
            .Where(p => p[0] < 100)
            .DistinctBy(p => p[0])
            .ToList();
        return new LatencyStats(micros.TotalCount, micros.GetMean() / 1000.0, Ms(micros.GetValueAtPercentile(50)),
            Ms(micros.GetValueAtPercentile(95)), Ms(micros.GetValueAtPercentile(99)), Ms(micros.GetValueAtPercentile(99.9)),
            Ms(micros.GetMaxValue()), slow / (double)micros.TotalCount, spectrum);
    }
}

/// <summary>One system in one cell (storage, workload, concurrency).</summary>
public sealed record CellResult
{
    public required string Storage { get; init; }
    public required string Workload { get; init; }
    public required int Participants { get; init; }
    public required int Concurrency { get; init; }
    public required string System { get; init; }
    public required double MeasuredSeconds { get; init; }
    public required long Committed { get; init; }
    public required long Aborted { get; init; }
    public required long Failed { get; init; }

    /// <summary>Committed operations per second in the measured window (writes per second for the ceiling).</summary>
    public required double Tps { get; init; }

    /// <summary>Aborted / completed.</summary>
    public required double AbortRate { get; init; }

    /// <summary>Failed (no definite outcome) / completed.</summary>
    public required double FailRate { get; init; }

    public required IReadOnlyDictionary<string, long> Reasons { get; init; }

    /// <summary>Client-measured latency of every operation completed in the window, committed or not.</summary>
    public required LatencyStats Latency { get; init; }

    /// <summary>For the ceiling: the storage write alone, timed inside the grain.</summary>
    public LatencyStats? InnerLatency { get; init; }

    /// <summary>Storage writes per committed operation during the window, by grain state (OrleansTwoPc) or in total.</summary>
    public IReadOnlyDictionary<string, double>? WritesPerCommit { get; init; }

    /// <summary>For Orleans Transactions: its storage's write latency during the window.</summary>
    public LatencyStats? StorageWriteLatency { get; init; }

    /// <summary>For OrleansTwoPc: time per protocol phase.</summary>
    public PhaseBreakdown? Phases { get; init; }

    /// <summary>Instruments of the OrleansTwoPc meter seen during the window (none until the grains publish them).</summary>
    public IReadOnlyList<InstrumentStat>? Meter { get; init; }

    /// <summary>For OrleansTwoPc: ended records the hottest Zipf account holds after the cell (its state grows with them).</summary>
    public int? HotAccountTrail { get; init; }

    /// <summary>CPU time of this whole process (both silos and the client) per committed operation during the window.</summary>
    public required double CpuMsPerCommit { get; init; }

    /// <summary>Share of the machine's cores this process used during the window (the rest: other processes, idle).</summary>
    public required double CpuShare { get; init; }

    /// <summary>Share of the window during which the garbage collector had the process's threads paused.</summary>
    public double GcPauseShare { get; init; }

    public required double DrainSeconds { get; init; }

    public bool DrainTimedOut { get; init; }

    /// <summary>Unmeasured time before the window: the warm-up, longer when the JIT was still busy.</summary>
    public double WarmupSeconds { get; init; }

    /// <summary>Share of one core the JIT used in the second before the window opened (NaN when not watched).</summary>
    public double JitShareAtStart { get; init; }

    /// <summary>Accounts in the key space this cell drew from.</summary>
    public int Accounts { get; init; }

    /// <summary>Silos in the cluster.</summary>
    public int Silos { get; init; }

    /// <summary>Grain calls per committed operation (sweeps only: counted by grain call filters).</summary>
    public double? CallsPerCommit { get; init; }

    /// <summary>Grain calls per committed operation by target interface (sweeps only).</summary>
    public IReadOnlyDictionary<string, double>? CallsByInterface { get; init; }

    /// <summary>Share of grain-to-grain calls whose caller ran on another silo (sweeps only).</summary>
    public double? RemoteCallShare { get; init; }

    /// <summary>Grain-to-grain calls per committed operation whose caller ran on another silo (sweeps only).</summary>
    public double? RemoteCallsPerCommit { get; init; }

    /// <summary>Total storage writes per committed operation (the sum of <see cref="WritesPerCommit"/>).</summary>
    public double TotalWritesPerCommit => WritesPerCommit?.Values.Sum() ?? 0;

    public string Key => $"{Storage}/{Workload}/{Concurrency}/{System}";
}

/// <summary>Money conservation of one ledger after a cell: the sum of all balances must equal the funding.</summary>
public sealed record ConservationCheck(string Ledger, string After, int AccountsRead, long Expected, long Actual,
    int NegativeBalances, int Unsettled, double SettleMs, double ReadSeconds)
{
    /// <summary>Sum as funded, no negative balance, and nothing left undecided.</summary>
    public bool Conserved => Expected == Actual && NegativeBalances == 0 && Unsettled == 0;
}

/// <summary>Everything measured on one storage backend.</summary>
public sealed record StorageResult
{
    public required string Storage { get; init; }
    public required string Description { get; init; }
    public required double ClusterStartSeconds { get; init; }
    public required double FundingSeconds { get; init; }
    public required IReadOnlyDictionary<string, string> Systems { get; init; }
    public required IReadOnlyList<CellResult> Cells { get; init; }
    public required IReadOnlyList<ConservationCheck> Checks { get; init; }
    public required IReadOnlyList<KeyValuePair<string, int>> SiloWarnings { get; init; }
    public required double Seconds { get; init; }
    public string? Error { get; init; }

    /// <summary>Accounts per system on this cluster.</summary>
    public int Accounts { get; init; }

    /// <summary>Silos in this cluster.</summary>
    public int Silos { get; init; }

    /// <summary>Whether every account was activated before the first cell (false: cells start with cold accounts).</summary>
    public bool Warmed { get; init; }

    public CellResult? Cell(string workload, int concurrency, string system) =>
        Cells.FirstOrDefault(c => c.Workload == workload && c.Concurrency == concurrency && c.System == system);
}

/// <summary>What every results.json starts with: when, what command, on what machine, which code, with which options.</summary>
public abstract record RunInfo
{
    public required DateTimeOffset StartedAt { get; init; }
    public required string Command { get; init; }
    public required string Machine { get; init; }
    public required string Code { get; init; }
    public required BenchOptions Options { get; init; }
    public required IReadOnlyList<StorageResult> Storages { get; init; }
}

/// <summary>The whole run, as written to results.json.</summary>
public sealed record RunResult : RunInfo
{
    public required int Accounts { get; init; }
    public required long FundingPerAccount { get; init; }
    public required double HottestAccountShare { get; init; }
    public required IReadOnlyList<string> MeterInstruments { get; init; }
    public IReadOnlyList<string> ResultLines { get; set; } = [];

    /// <summary>The HTTP API's cost over the Orleans client, per twopc-http cell (issue 15).</summary>
    public IReadOnlyList<Reporting.HttpCost> HttpPath { get; set; } = [];

    public double TotalSeconds { get; set; }
}

/// <summary>A scale sweep (issue 16), as written to results.json: one <see cref="StorageResult"/> per cluster it ran.</summary>
public sealed record SweepRunResult : RunInfo
{
    public required string Sweep { get; init; }
    public required IReadOnlyList<string> Summary { get; init; }
    public required double TotalSeconds { get; init; }
}
