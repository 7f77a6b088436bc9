using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Protocol;

namespace OrleansTwoPc.Recovery;

/// <summary>
/// One shard of the recovery registry. Reentrant with group commit: registrations of many concurrent transactions
/// share one storage write, so the registry costs a fraction of a write per transaction.
/// </summary>
[Reentrant]
public sealed partial class RecoveryShardGrain(
    [PersistentState("recovery", TwoPcStorage.Name)] IPersistentState<RecoveryShardState> storage,
    IOptions<TwoPcOptions> options,
    TimeProvider time,
    ILogger<RecoveryShardGrain> logger) : Grain, IRecoveryShardGrain
{
    private GroupCommit? _writer;
    private Task<int>? _sweep;

    // Turns change this working set while a write may be serializing the stored one on another thread, so each
    // write persists a snapshot of it.
    private Dictionary<string, DateTimeOffset>? _pending;

    private Dictionary<string, DateTimeOffset> Pending => _pending ??= new(storage.State.Pending, StringComparer.Ordinal);

    private GroupCommit Writer => _writer ??= new GroupCommit(() =>
    {
        storage.State = new RecoveryShardState { Pending = new(Pending, StringComparer.Ordinal) };
        return storage.WriteStateAsync();
    });

    public async Task Register(string operationId, DateTimeOffset startedAt)
    {
        Pending[operationId] = startedAt;
        await Guard(Writer.FlushAsync());
    }

    public Task Unregister(string operationId)
    {
        // No write of its own: the next registration's write carries the removal.
        Pending.Remove(operationId);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PendingOperation>> List() => Task.FromResult<IReadOnlyList<PendingOperation>>(
        Pending.OrderBy(p => p.Value).Select(p => new PendingOperation(p.Key, p.Value)).ToList());

    public Task<int> Sweep() => _sweep is { IsCompleted: false } running ? running : _sweep = SweepAsync();

    private async Task<int> SweepAsync()
    {
        var cutoff = time.GetUtcNow() - options.Value.RecoveryInterval;
        var due = Pending.Where(p => p.Value <= cutoff).ToList();
        var statuses = await Task.WhenAll(due.Select(p => WakeAsync(p.Key, p.Value)));
        var finished = 0;
        for (var i = 0; i < due.Count; i++)
        {
            if (statuses[i] is { IsCompleted: true })
            {
                Pending.Remove(due[i].Key);
                finished++;
            }
        }

        if (finished > 0)
        {
            await Guard(Writer.FlushAsync());
        }

        if (due.Count > 0)
        {
            var shard = this.GetPrimaryKeyLong();
            LogSwept(logger, shard, due.Count, finished);
        }

        return Pending.Count;
    }

    // Activating the coordinator is the recovery: its activation resumes any unfinished record. GetDecision, not
    // GetStatus: a coordinator with no record (its Begin never landed, or this call reached a stale activation that
    // loaded before the live one wrote) answers only after writing a presumed abort against the version it loaded. A
    // stale activation's write fails, so the entry stays and the next sweep reaches the live record; "unknown" from
    // GetStatus stores nothing and would have dropped it.
    private async Task<TransactionOutcome?> WakeAsync(string operationId, DateTimeOffset startedAt)
    {
        try
        {
            return await GrainFactory.GetGrain<ITransactionCoordinatorGrain>(operationId).GetDecision(startedAt);
        }
        catch (Exception ex)
        {
            LogWakeFailed(logger, ex, operationId);
            return null;
        }
    }

    private async Task Guard(Task write)
    {
        try
        {
            await write;
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Recovery shard {Shard}: woke {Due} unfinished transactions, {Finished} completed")]
    private static partial void LogSwept(ILogger logger, long shard, int due, int finished);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Recovery could not wake the coordinator of {OperationId}; next sweep retries")]
    private static partial void LogWakeFailed(ILogger logger, Exception exception, string operationId);
}
