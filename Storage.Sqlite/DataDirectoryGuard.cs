using OrleansTwoPc.Configuration;

namespace OrleansTwoPc.Storage.Sqlite;

/// <summary>Holds the data directory from the silo's first lifecycle stage until its last.</summary>
internal sealed class DataDirectoryGuard(string directory) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private IDisposable? _lease;

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(nameof(DataDirectoryGuard), ServiceLifecycleStage.First,
        _ =>
        {
            _lease = DataDirectoryLock.Acquire(directory);
            return Task.CompletedTask;
        },
        _ =>
        {
            Dispose();
            return Task.CompletedTask;
        });

    public void Dispose() => Interlocked.Exchange(ref _lease, null)?.Dispose();
}
