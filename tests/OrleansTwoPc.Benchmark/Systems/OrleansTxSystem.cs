using Orleans.Transactions;
using OrleansTwoPc.Benchmark.Baseline;
using OrleansTwoPc.Benchmark.Cluster;
using OrleansTwoPc.Benchmark.Workloads;

namespace OrleansTwoPc.Benchmark.Systems;

/// <summary>Orleans Transactions: one call to a transfer grain whose method creates the transaction.</summary>
public sealed class OrleansTxSystem(BenchCluster cluster, KeySpace keys, bool parallel) : ILedgerSystem
{
    /// <summary>The transactional state's name: the storage record's state name.</summary>
    private const string AccountState = "account";

    public string Name => parallel ? "orleans-tx-naive" : "orleans-tx";

    public string Ledger => "orleans-tx";

    public string Description => parallel
        ? "Orleans Transactions, naive: [Transaction(Create)] transfer calling all accounts in parallel"
        : "Orleans Transactions, expert: [Transaction(Create)] transfer calling the accounts one after another in ascending key order";

    public async Task<OpResult> ExecuteAsync(Leg[] legs, OpContext context)
    {
        var deltas = legs.Select(l => new AccountDelta(keys.Key(l.Account), l.Delta)).ToArray();
        var transfer = cluster.Client.GetGrain<IOtxTransferGrain>(context.Worker);
        try
        {
            await (parallel ? transfer.TransferParallel(deltas) : transfer.Transfer(deltas));
            return OpResult.Committed();
        }
        catch (Exception ex)
        {
            return Classify(ex);
        }
    }

    /// <summary>
    /// Bulk-loads each account's transactional state record through the <c>bench-otx</c> grain storage, as OrleansTwoPc's
    /// accounts are: one write per account of the record Orleans Transactions loads on activation (committed state only).
    /// </summary>
    public async Task FundAsync(long amount, int parallel)
    {
        var storage = cluster.OrleansTxStorage;
        await Parallel.ForEachAsync(keys.Keys, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (key, _) =>
        {
            var record = new TransactionalStateRecord<Balance> { CommittedState = new Balance { Value = amount } };
            await storage.WriteStateAsync(AccountState, GrainId.Create(OtxAccountGrain.GrainTypeName, key), new LoadedState<TransactionalStateRecord<Balance>>(record));
        });
    }

    public Task WarmAsync() => Parallel.ForEachAsync(keys.Keys, new ParallelOptions { MaxDegreeOfParallelism = 64 },
        async (key, _) => await cluster.Client.GetGrain<IOtxAccountGrain>(key).Warm());

    /// <summary>Settled when the record holds no pending (prepared or unconfirmed) transaction.</summary>
    public async Task<AccountReading[]> ReadDurableAsync(string[] accounts)
    {
        var storage = cluster.OrleansTxStorage;
        return await Task.WhenAll(accounts.Select(async key =>
        {
            var state = new LoadedState<TransactionalStateRecord<Balance>>(new TransactionalStateRecord<Balance>());
            await storage.ReadStateAsync(AccountState, GrainId.Create(OtxAccountGrain.GrainTypeName, key), state);
            return new AccountReading(state.State.CommittedState.Value, state.State.PendingStates.Count == 0);
        }));
    }

    /// <summary>Aborts are definite (nothing applied); in-doubt outcomes and timeouts are not.</summary>
    public static OpResult Classify(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is InsufficientFundsException)
            {
                return OpResult.Aborted("insufficient-funds");
            }
        }

        return error switch
        {
            OrleansTransactionInDoubtException => OpResult.Failed("in-doubt"),
            OrleansTransactionAbortedException aborted => OpResult.Aborted(ShortName(aborted)),
            TimeoutException => OpResult.Failed("timeout"),
            _ => OpResult.Failed(ShortName(error)),
        };
    }

    private static string ShortName(Exception e) => e.GetType().Name.Replace("OrleansTransaction", "", StringComparison.Ordinal)
        .Replace("Exception", "", StringComparison.Ordinal) is { Length: > 0 } name ? name : e.GetType().Name;
}
