using OrleansTwoPc.Benchmark.Running;

namespace OrleansTwoPc.Benchmark.Reporting;

/// <summary>
/// What the HTTP API costs over the Orleans client in one cell of one run: twopc (TransactionClient) against
/// twopc-http (POST /transactions), run back to back on the same cluster, storage and key sequence.
/// </summary>
/// <param name="HttpOverClient">twopc tx/s / twopc-http tx/s: how many times faster the client path ran (1 = no cost).</param>
/// <param name="HttpCpuMsExtra">twopc-http CPU ms per committed transaction minus twopc's (the process holds both sides of HTTP).</param>
public sealed record HttpCost(string Storage, string Workload, int Concurrency, double TwopcTps, double TwopcHttpTps, double? HttpOverClient,
    double TwopcP50Ms, double TwopcHttpP50Ms, double TwopcP99Ms, double TwopcHttpP99Ms, double TwopcCpuMsPerTx, double TwopcHttpCpuMsPerTx, double HttpCpuMsExtra,
    long TwopcHttpAborted, long TwopcHttpFailed, IReadOnlyDictionary<string, long> TwopcHttpReasons)
{
    /// <summary>Null unless both cells ran.</summary>
    public static HttpCost? Of(CellResult? twopc, CellResult? http) => twopc is null || http is null ? null : new HttpCost(
        http.Storage, http.Workload, http.Concurrency, twopc.Tps, http.Tps, http.Tps > 0 ? twopc.Tps / http.Tps : null,
        twopc.Latency.P50Ms, http.Latency.P50Ms, twopc.Latency.P99Ms, http.Latency.P99Ms,
        twopc.CpuMsPerCommit, http.CpuMsPerCommit, http.CpuMsPerCommit - twopc.CpuMsPerCommit,
        http.Aborted, http.Failed, http.Reasons);

    /// <summary>Every twopc-http cell of a storage with its twopc cell, by workload and concurrency.</summary>
    public static IEnumerable<HttpCost> All(StorageResult storage) => storage.Cells
        .Where(c => c.System == "twopc-http")
        .Select(http => Of(storage.Cell(http.Workload, http.Concurrency, "twopc"), http))
        .OfType<HttpCost>();
}
