using System.Diagnostics;
using OrleansTwoPc.Benchmark.Workloads;
using OrleansTwoPc.Client;

namespace OrleansTwoPc.Benchmark.Systems;

/// <summary>
/// OrleansTwoPc on a cluster this process does not host (<see cref="Cluster.SiloProcesses"/>), through the client
/// library over a gateway connection: what a caller of a deployed cluster runs. Accounts are funded and read through
/// the service's own grains, since the silos' grain storage is not this process's to write.
/// </summary>
public sealed class TwoPcClientSystem(IClusterClient cluster, KeySpace keys, string runTag) : IBenchSystem
{
    private readonly TransactionClient _client = new(cluster, new TransactionClientOptions { Deadline = TimeSpan.FromSeconds(30) });

    public string Name => "twopc";

    public string Description => "OrleansTwoPc in silo processes: TransactionClient.ExecuteAsync over a gateway, a fresh operation id per transaction";

    public Task<OpResult> ExecuteAsync(Leg[] legs, OpContext context) =>
        TwoPcSystem.ExecuteAsync(_client, $"{runTag}.{context.CellTag}.{context.Worker}.{context.Sequence}", TwoPcSystem.Transfer(legs, keys));

    /// <summary>Gives every account <paramref name="amount"/>: one single-participant credit each, which must commit.</summary>
    public Task FundAsync(long amount, int parallel) =>
        Parallel.ForEachAsync(keys.Keys, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (key, token) =>
        {
            var request = new TransactionRequest([new ParticipantOperation(ParticipantKinds.Ledger, key, LedgerActions.Credit, amount)]);
            var outcome = await _client.ExecuteAsync(OperationIds.New("fund"), request, token);
            if (outcome.Status != TransactionStatus.Committed)
            {
                throw new InvalidOperationException($"funding {key} ended {outcome.Status} ({outcome.Reason?.Code})");
            }
        });

    /// <summary>
    /// The sum of every account's committed balance, read through the account grains, re-read until it equals
    /// <paramref name="expected"/> or <paramref name="limit"/> passes: callers hear the decision before phase 2 has
    /// applied both legs. Returns the last sum and how long it took to settle.
    /// </summary>
    public async Task<(long Sum, double Seconds)> SettledSumAsync(long expected, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            long sum = 0;
            await Parallel.ForEachAsync(keys.Keys.Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (chunk, _) =>
            {
                var balances = await Task.WhenAll(chunk.Select(k => cluster.GetGrain<ILedgerGrain>(k).GetBalance()));
                Interlocked.Add(ref sum, balances.Sum());
            });
            if (sum == expected || clock.Elapsed > limit)
            {
                return (sum, clock.Elapsed.TotalSeconds);
            }

            await Task.Delay(200);
        }
    }
}
