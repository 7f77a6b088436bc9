using System.Runtime.ExceptionServices;

namespace OrleansTwoPc.Protocol;

/// <summary>
/// Coalesces state writes of one grain: every caller that changed state awaits a write that started after its
/// change, and all callers that changed state while a write was in flight share the next one. Under load one storage
/// round trip makes many prepares durable (group commit). Single-threaded use only (a grain's turns).
/// A failed write may or may not have landed, so from then on nothing in memory is known to be durable: every later
/// flush and settle fails with the same error, and the activation must go (the next one reads the truth).
/// </summary>
internal sealed class GroupCommit(Func<Task> write)
{
    private TaskCompletionSource? _waiting;
    private TaskCompletionSource? _writing;
    private Task? _pump;
    private ExceptionDispatchInfo? _failed;

    /// <summary>The error of the first failed write, or null while every write has landed.</summary>
    public Exception? Failure => _failed?.SourceException;

    /// <summary>Completes when a write that includes every change made before this call is durable.</summary>
    public Task FlushAsync()
    {
        if (_failed is { } failed)
        {
            return Task.FromException(failed.SourceException);
        }

        _waiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = _waiting.Task;
        if (_pump is null || _pump.IsCompleted)
        {
            _pump = PumpAsync();
        }

        return task;
    }

    /// <summary>
    /// Completes when the writes queued so far are done (for reads that must not show undurable state). Every change
    /// asked for a flush, so the queued batch (or, with none queued, the one being written) covers them all; no new
    /// write is needed.
    /// </summary>
    public Task SettleAsync() => _failed is { } failed
        ? Task.FromException(failed.SourceException)
        : (_waiting ?? _writing)?.Task ?? Task.CompletedTask;

    private async Task PumpAsync()
    {
        while (_waiting is { } batch)
        {
            _waiting = null;
            _writing = batch;
            try
            {
                await write();
                batch.SetResult();
            }
            catch (Exception ex)
            {
                _failed ??= ExceptionDispatchInfo.Capture(ex);
                batch.SetException(ex);
                // Changes queued behind the failed write rest on state that never reached storage: fail them too.
                _waiting?.SetException(ex);
                _waiting = null;
            }
            finally
            {
                _writing = null;
            }
        }
    }
}
