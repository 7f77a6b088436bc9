using System.Globalization;
using OrleansTwoPc.Benchmark.Running;
using OrleansTwoPc.Benchmark.Workloads;

namespace OrleansTwoPc.Benchmark.Reporting;

/// <summary>
/// The derived figures of one workload at one concurrency on one storage: the ratio against Orleans Transactions
/// (the expert variant) and the efficiency against the storage ceiling.
/// </summary>
public sealed record Headline(string Storage, Workload Workload, int Concurrency, CellResult? TwoPc, CellResult? OrleansTx,
    CellResult? Naive, CellResult? Ceiling, bool? Conserved)
{
    /// <summary>The architecture's floor (uniform workloads): how fast the bare 2PC pattern runs here.</summary>
    public CellResult? Floor { get; init; }

    /// <summary>OrleansTwoPc through its HTTP API against the client path, where the twopc-http cell ran.</summary>
    public HttpCost? Http { get; init; }

    /// <summary>floor_tps / orleans_tx_tps: the most any design with a coordinator grain per operation id could show.</summary>
    public double? FloorRatio => Floor is not null && OrleansTx is { Tps: > 0 } ? Floor.Tps / OrleansTx.Tps : null;

    /// <summary>twopc_tps / floor_tps: the share of the floor OrleansTwoPc keeps while being correct.</summary>
    public double? OfFloor => TwoPc is not null && Floor is { Tps: > 0 } ? TwoPc.Tps / Floor.Tps : null;

    /// <summary>twopc_tps / orleans_tx_tps (expert).</summary>
    public double? Ratio => TwoPc is not null && OrleansTx is { Tps: > 0 } ? TwoPc.Tps / OrleansTx.Tps : null;

    /// <summary>twopc_tps x (participants + 1) / ceiling writes per second: the share of the storage's write rate doing useful forced writes.</summary>
    public double? Efficiency => TwoPc is not null && Ceiling is { Tps: > 0 } && !Workload.Replay
        ? TwoPc.Tps * (Workload.Participants + 1) / Ceiling.Tps
        : null;

    /// <summary>
    /// The same against the highest plain-write rate measured on this storage at any concurrency. On SQLite more
    /// concurrent writers collide and back off, so the ceiling at 64 loops can be far below its best; against that
    /// lower figure efficiency can exceed 1.
    /// </summary>
    public double? EfficiencyBest { get; init; }

    public static IEnumerable<Headline> All(StorageResult storage, bool headlineOnly)
    {
        var best = storage.Cells.Where(c => c.System == "ceiling").Select(c => c.Tps).DefaultIfEmpty(0).Max();
        foreach (var workload in Workload.All)
        {
            var levels = storage.Cells.Where(c => c.Workload == workload.Name).Select(c => c.Concurrency).Distinct().Order();
            foreach (var c in levels.Where(c => !headlineOnly || c == Plan.Headline))
            {
                var conserved = storage.Checks.Where(k => k.After == $"{workload.Name} c={c}").Select(k => k.Conserved).ToList();
                var twopc = storage.Cell(workload.Name, c, "twopc");
                yield return new Headline(storage.Storage, workload, c,
                    twopc, storage.Cell(workload.Name, c, "orleans-tx"),
                    storage.Cell(workload.Name, c, "orleans-tx-naive"), storage.Cell(workload.Name, c, "ceiling"),
                    conserved.Count == 0 ? null : conserved.All(x => x))
                {
                    EfficiencyBest = twopc is not null && best > 0 && !workload.Replay ? twopc.Tps * (workload.Participants + 1) / best : null,
                    Floor = storage.Cell(workload.Name, c, "floor"),
                    Http = HttpCost.Of(twopc, storage.Cell(workload.Name, c, "twopc-http")),
                };
            }
        }
    }

    /// <summary>The one-line summary the brief asks for, plus a few extra keys at the end.</summary>
    public string ResultLine()
    {
        var line = $"RESULT workload={Workload.Name} storage={Storage} concurrency={Concurrency} " +
            $"twopc_tps={F(TwoPc?.Tps, "0")} orleans_tx_tps={F(OrleansTx?.Tps, "0")} ratio={F(Ratio, "0.00")} " +
            $"twopc_p99_ms={F(TwoPc?.Latency.P99Ms, "0.0")} orleans_tx_p99_ms={F(OrleansTx?.Latency.P99Ms, "0.0")} " +
            $"efficiency={F(Efficiency, "0.00")}";
        line += $" efficiency_vs_best_ceiling={F(EfficiencyBest, "0.00")}";
        line += $" twopc_aborts={F(TwoPc?.AbortRate * 100, "0.0")}% orleans_tx_aborts={F(OrleansTx?.AbortRate * 100, "0.0")}%";
        if (Naive is not null)
        {
            line += $" orleans_tx_naive_tps={F(Naive.Tps, "0")} orleans_tx_naive_aborts={F(Naive.AbortRate * 100, "0.0")}%";
        }

        if (Floor is not null)
        {
            line += $" floor_tps={F(Floor.Tps, "0")} floor_ratio={F(FloorRatio, "0.00")} twopc_of_floor={F(OfFloor, "0.00")}";
        }

        if (Http is not null)
        {
            line += $" twopc_http_tps={F(Http.TwopcHttpTps, "0")} twopc_http_p99_ms={F(Http.TwopcHttpP99Ms, "0.0")} http_over_client={F(Http.HttpOverClient, "0.00")}" +
                $" twopc_cpu_ms_per_tx={F(Http.TwopcCpuMsPerTx, "0.000")} twopc_http_cpu_ms_per_tx={F(Http.TwopcHttpCpuMsPerTx, "0.000")}" +
                $" http_cpu_ms_extra={F(Http.HttpCpuMsExtra, "0.000")} twopc_http_failed={Http.TwopcHttpFailed}";
        }

        return line + $" money_conserved={(Conserved is null ? "n/a" : Conserved.Value ? "yes" : "NO")}";
    }

    public static string F(double? value, string format) =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";
}
