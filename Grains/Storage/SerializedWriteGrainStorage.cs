using System.Collections.Concurrent;
using Orleans.Storage;

namespace OrleansTwoPc.Storage;

/// <summary>
/// SQLite has one writer, and Microsoft.Data.Sqlite is synchronous underneath its async API and waits for a locked
/// database with blocking sleeps (150 ms at a time). Grains writing concurrently to one file would collide, sleep, and
/// hold Orleans scheduler threads while they do. This decorator lets one write at a time per database file in this
/// process reach SQLite, and runs every storage call on the thread pool, off the grain schedulers. Writes then queue
/// in memory instead of colliding in the database.
/// </summary>
public sealed class SerializedWriteGrainStorage(IGrainStorage inner, string database) : IGrainStorage
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _gate = Gates.GetOrAdd(database, _ => new SemaphoreSlim(1, 1));

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Task.Run(() => inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        OneAtATime(() => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        OneAtATime(() => inner.ClearStateAsync(stateName, grainId, grainState));

    private async Task OneAtATime(Func<Task> write)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await Task.Run(write).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}
