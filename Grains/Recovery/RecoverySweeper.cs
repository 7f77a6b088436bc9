using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Scheduling;

namespace OrleansTwoPc.Recovery;

/// <summary>
/// Runs on every silo from the moment it is active: every recovery interval it asks each recovery shard to sweep.
/// Because it starts with the silo, unfinished transactions are resumed after a whole-cluster restart with no
/// client traffic. Several silos sweeping the same shard is harmless: a shard runs one sweep at a time.
/// </summary>
internal sealed partial class RecoverySweeper(
    IGrainFactory grains,
    IOptions<TwoPcOptions> options,
    TimeProvider time,
    ILogger<RecoverySweeper> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RecoverySweeper), ServiceLifecycleStage.Active, Start, Stop);

    private Task Start(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
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

    public void Dispose() => _stopping.Dispose();

    private async Task RunAsync(CancellationToken stopping)
    {
        var interval = options.Value.RecoveryInterval;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Periodic.WaitAsync(interval, time, stopping);
                await Task.WhenAll(Enumerable.Range(0, options.Value.RecoveryShards)
                    .Select(shard => grains.GetGrain<IRecoveryShardGrain>(shard).Sweep()));
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

    [LoggerMessage(EventId = 310, Level = LogLevel.Warning, Message = "Recovery sweep failed; retrying next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
