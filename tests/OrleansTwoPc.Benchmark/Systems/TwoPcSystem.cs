using OrleansTwoPc.Benchmark.Baseline;
using OrleansTwoPc.Benchmark.Cluster;
using OrleansTwoPc.Benchmark.Probes;
using OrleansTwoPc.Benchmark.Workloads;
using OrleansTwoPc.Client;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Scheduling;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Storage.PostgreSql;
using OrleansTwoPc.Storage.Sqlite;
using OrleansTwoPc.Participants;
using OrleansTwoPc.Protocol;

namespace OrleansTwoPc.Benchmark.Systems;

/// <summary>
/// OrleansTwoPc through its client library (<see cref="TransactionClient"/>): one fresh operation id per transaction,
/// one call to that id's coordinator, answered once the decision is durable.
/// </summary>
public sealed class TwoPcSystem(BenchCluster cluster, KeySpace keys, PhaseProbe probe, string runTag) : ILedgerSystem
{
    private readonly TransactionClient _client = new(cluster.Client, new TransactionClientOptions { Deadline = TimeSpan.FromSeconds(30) });

    public string Name => "twopc";

    public string Ledger => "twopc";

    public string Description => "OrleansTwoPc: TransactionClient.ExecuteAsync with a fresh operation id per transaction (coordinator grain + ledger participants, 2PC with presumed abort)";

    /// <summary>Committed operations, kept for the dedupe-hit workload's retries.</summary>
    public ReplayPool Replays { get; } = new(50_000);

    public TransactionClient Client => _client;

    public async Task<OpResult> ExecuteAsync(Leg[] legs, OpContext context)
    {
        var id = $"{runTag}.{context.CellTag}.{context.Worker}.{context.Sequence}";
        var request = Transfer(legs, keys);
        var result = await ExecuteAsync(_client, id, request);
        if (result.Status == OpStatus.Committed)
        {
            Replays.Add(id, request);
        }

        return result;
    }

    /// <summary>A transfer's legs as a request: a debit for each negative leg, a credit for each positive one.</summary>
    public static TransactionRequest Transfer(Leg[] legs, KeySpace keys) =>
        new(legs.Select(l => new ParticipantOperation(ParticipantKinds.Ledger, keys.Key(l.Account),
            l.Delta < 0 ? LedgerActions.Debit : LedgerActions.Credit, Math.Abs(l.Delta))).ToArray()) { CreatedAt = DateTimeOffset.UtcNow };

    /// <summary>Runs one request through the client library and classifies its outcome; never throws.</summary>
    public static async Task<OpResult> ExecuteAsync(TransactionClient client, string id, TransactionRequest request)
    {
        try
        {
            var outcome = await client.ExecuteAsync(id, request);
            return outcome.Status switch
            {
                TransactionStatus.Committed => OpResult.Committed(id),
                TransactionStatus.Aborted => OpResult.Aborted(outcome.Reason?.Code ?? "aborted", id),
                _ => OpResult.Failed(outcome.Status.ToString(), id),
            };
        }
        catch (Exception ex)
        {
            return OpResult.Failed(ex.GetType().Name, id);
        }
    }

    public void Measured(in OpResult result, long start, long end)
    {
        if (result.OperationId is { } id)
        {
            probe.Client(id, start, end);
        }
    }

    /// <summary>
    /// Bulk-loads each account's participant state through the <c>twopc</c> grain storage: one write per account, the
    /// state type the ledger grain reads on activation. Funding through deposits would cost 3-4 writes each.
    /// </summary>
    public async Task FundAsync(long amount, int parallel)
    {
        var storage = cluster.Storage(TwoPcStorage.Name);
        await Parallel.ForEachAsync(keys.Keys, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (key, _) =>
        {
            var state = new ParticipantState<LedgerAccount> { Value = new LedgerAccount { Balance = amount } };
            await storage.WriteStateAsync("ledger", GrainId.Create(ParticipantKinds.Ledger, key), new LoadedState<ParticipantState<LedgerAccount>>(state));
        });
    }

    public Task WarmAsync() => Parallel.ForEachAsync(keys.Keys.Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = 8 },
        async (chunk, _) => await cluster.Client.GetGrain<ILedgerAuditGrain>(0).ReadBalances(chunk));

    /// <summary>A participant is settled when it holds no prepared record (phase 2 has reached it).</summary>
    public async Task<AccountReading[]> ReadDurableAsync(string[] accounts)
    {
        var storage = cluster.Storage(TwoPcStorage.Name);
        return await Task.WhenAll(accounts.Select(async key =>
        {
            var state = new LoadedState<ParticipantState<LedgerAccount>>(new ParticipantState<LedgerAccount>());
            await storage.ReadStateAsync("ledger", GrainId.Create(ParticipantKinds.Ledger, key), state);
            return new AccountReading(state.State.Value.Balance, state.State.Prepared.Count == 0);
        }));
    }
}

/// <summary>Committed operation ids with their requests, for retries. Thread-safe, bounded.</summary>
public sealed class ReplayPool(int capacity)
{
    private readonly Lock _lock = new();
    private readonly List<(string Id, TransactionRequest Request)> _items = [];

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    public void Add(string id, TransactionRequest request)
    {
        lock (_lock)
        {
            if (_items.Count < capacity)
            {
                _items.Add((id, request));
            }
        }
    }

    public (string Id, TransactionRequest Request) Pick(int worker, long sequence)
    {
        lock (_lock)
        {
            var index = (int)((uint)Seeds.Mix(worker, (int)sequence, (int)(sequence >> 32)) % (uint)_items.Count);
            return _items[index];
        }
    }
}

/// <summary>
/// The dedupe-hit workload: retries of operation ids that already committed, with the same request. Each must come
/// back as the stored outcome (<c>Replayed</c>, committed) without running again; anything else counts as failed.
/// </summary>
public sealed class TwoPcReplaySystem(TwoPcSystem source) : IBenchSystem
{
    public string Name => "twopc";

    public string Description => "OrleansTwoPc retrying already committed operation ids (same id, same request): answered from the coordinator's record";

    public async Task<OpResult> ExecuteAsync(Leg[] legs, OpContext context)
    {
        var (id, request) = source.Replays.Pick(context.Worker, context.Sequence);
        try
        {
            var outcome = await source.Client.ExecuteAsync(id, request);
            return outcome switch
            {
                { Status: TransactionStatus.Committed, Replayed: true } => OpResult.Committed(id),
                { Replayed: false } => OpResult.Failed("not-replayed", id),
                _ => OpResult.Failed("outcome-changed:" + outcome.Status, id),
            };
        }
        catch (Exception ex)
        {
            return OpResult.Failed(ex.GetType().Name, id);
        }
    }
}
