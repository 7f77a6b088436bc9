using System.Diagnostics;
using OrleansTwoPc.Benchmark.Systems;
using OrleansTwoPc.Benchmark.Workloads;

namespace OrleansTwoPc.Benchmark.Running;

/// <summary>
/// The money-conservation check of one ledger. Every account starts with the same funding and only transfers (which
/// move money, never create it) touch them, so the sum of all balances must stay at accounts x funding. After each
/// cell the accounts touched since the last check are re-read (the rest cannot have changed); balances are
/// re-read until the sum matches or a settle limit passes, because OrleansTwoPc answers the caller before phase 2
/// has applied the credit and debit at the participants.
/// </summary>
public sealed class LedgerBook(string ledger, KeySpace keys, long funding)
{
    private const int Batch = 100;
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(20);

    private readonly byte[] _touched = new byte[keys.Count];
    private readonly long[] _balances = Enumerable.Repeat(funding, keys.Count).ToArray();

    public string Ledger => ledger;

    public long Expected => keys.Count * funding;

    /// <summary>Marks accounts about to be used (called by the client loops; a lost race only re-marks a marked account).</summary>
    public void Touch(Leg[] legs)
    {
        foreach (var leg in legs)
        {
            _touched[leg.Account] = 1;
        }
    }

    public async Task<ConservationCheck> CheckAsync(ILedgerSystem system, string after, bool allAccounts)
    {
        var accounts = Enumerable.Range(0, keys.Count).Where(a => allAccounts || _touched[a] != 0).ToArray();
        Array.Clear(_touched);
        var clock = Stopwatch.StartNew();
        double firstRead = 0;
        while (true)
        {
            var unsettled = await ReadAsync(system, accounts);
            firstRead = firstRead == 0 ? clock.Elapsed.TotalSeconds : firstRead;
            var total = _balances.Sum();
            if ((total == Expected && unsettled == 0) || clock.Elapsed > SettleLimit)
            {
                var settle = Math.Max(0, clock.Elapsed.TotalSeconds - firstRead) * 1000;
                return new ConservationCheck(ledger, after, accounts.Length, Expected, total, _balances.Count(b => b < 0), unsettled,
                    settle, firstRead);
            }

            await Task.Delay(100);
        }
    }

    // Returns how many of the accounts still hold an undecided or unconfirmed transaction.
    private async Task<int> ReadAsync(ILedgerSystem system, int[] accounts)
    {
        var unsettled = 0;
        await Parallel.ForEachAsync(accounts.Chunk(Batch), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (chunk, _) =>
        {
            var readings = await system.ReadDurableAsync(chunk.Select(keys.Key).ToArray());
            for (var i = 0; i < chunk.Length; i++)
            {
                _balances[chunk[i]] = readings[i].Balance;
                if (!readings[i].Settled)
                {
                    Interlocked.Increment(ref unsettled);
                }
            }
        });
        return unsettled;
    }
}
