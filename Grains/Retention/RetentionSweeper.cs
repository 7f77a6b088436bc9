using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansTwoPc.Coordinator;
using OrleansTwoPc.Diagnostics;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Scheduling;
using OrleansTwoPc.Storage;

namespace OrleansTwoPc.Retention;

/// <summary>
/// Keeps storage bounded: every <see cref="TwoPcOptions.RetentionSweepInterval"/> it deletes coordinator records not
/// written for longer than <see cref="TwoPcOptions.Retention"/> plus twice <see cref="TwoPcOptions.MaxClockSkew"/>, except those of unfinished transactions (the recovery
/// registry lists them; and an unfinished record is rewritten by every recovery attempt anyway). Participants prune
/// their own dedupe trails as they write. Requests that old are refused as expired, so nothing can ask for a deleted
/// record's outcome and run again.
/// </summary>
public sealed partial class RetentionSweeper(
    IGrainFactory grains,
    IOptions<TwoPcOptions> options,
    IOptions<ClusterOptions> cluster,
    TimeProvider time,
    TwoPcInstruments instruments,
    ILogger<RetentionSweeper> logger,
    ExpiredRecordJanitor? janitor = null) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RetentionSweeper), ServiceLifecycleStage.Active, Start, Stop);

    /// <summary>One sweep; returns how many records it deleted (0 on storage it cannot sweep, e.g. memory).</summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken = default)
    {
        if (janitor is null)
        {
            return 0;
        }

        var shards = await Task.WhenAll(Enumerable.Range(0, options.Value.RecoveryShards)
            .Select(shard => grains.GetGrain<IRecoveryShardGrain>(shard).List()));
        var unfinished = shards.SelectMany(s => s).Select(p => p.OperationId).ToHashSet(StringComparer.Ordinal);
        // A request is accepted while its creation time is within Retention of the coordinator's clock, and that time
        // may run up to MaxClockSkew ahead of the moment its record was written; this silo's clock (and the database's,
        // which stamps ModifiedOn) may differ from that coordinator's by as much again: keep the record that much longer.
        var cutoff = time.GetUtcNow() - options.Value.Retention - (2 * options.Value.MaxClockSkew);
        var deleted = await janitor.DeleteAsync(cluster.Value.ServiceId, TransactionCoordinatorGrain.StateName, cutoff,
            unfinished, cancellationToken);
        instruments.RetentionDeleted.Add(deleted);
        if (deleted > 0)
        {
            LogSwept(logger, deleted, cutoff);
        }

        return deleted;
    }

    private Task Start(CancellationToken cancellationToken)
    {
        if (janitor is not null)
        {
            _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    private async Task Stop(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Periodic.WaitAsync(options.Value.RetentionSweepInterval, time, stopping);
                await SweepOnceAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogSweepFailed(logger, ex);
            }
        }
    }

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Retention: deleted {Deleted} operation records last written before {Cutoff}")]
    private static partial void LogSwept(ILogger logger, int deleted, DateTimeOffset cutoff);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Retention sweep failed; retrying next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
