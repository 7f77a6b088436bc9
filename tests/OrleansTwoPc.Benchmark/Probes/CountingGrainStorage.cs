using System.Diagnostics;
using HdrHistogram;
using Orleans.Storage;

namespace OrleansTwoPc.Benchmark.Probes;

/// <summary>Counts and times the writes of one grain storage (the Orleans Transactions baseline's).</summary>
public sealed class StorageCounters
{
    private readonly Lock _lock = new();
    private LongHistogram _writeMicros = new(1, 600_000_000, 3);
    private long _writes;
    private long _reads;

    public long Writes => Interlocked.Read(ref _writes);

    public long Reads => Interlocked.Read(ref _reads);

    public void Read() => Interlocked.Increment(ref _reads);

    public void Wrote(long ticks)
    {
        Interlocked.Increment(ref _writes);
        var micros = Math.Clamp(ticks * 1_000_000 / Stopwatch.Frequency, 1, 600_000_000);
        lock (_lock)
        {
            _writeMicros.RecordValue(micros);
        }
    }

    /// <summary>The write-latency histogram since the last call (microseconds); starts a new one.</summary>
    public LongHistogram TakeWriteLatency()
    {
        lock (_lock)
        {
            var taken = _writeMicros;
            _writeMicros = new LongHistogram(1, 600_000_000, 3);
            return taken;
        }
    }
}

/// <summary>A pass-through <see cref="IGrainStorage"/> that feeds <see cref="StorageCounters"/>.</summary>
public sealed class CountingGrainStorage(IGrainStorage inner, StorageCounters counters) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        counters.Read();
        return inner.ReadStateAsync(stateName, grainId, grainState);
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var start = Stopwatch.GetTimestamp();
        await inner.WriteStateAsync(stateName, grainId, grainState);
        counters.Wrote(Stopwatch.GetTimestamp() - start);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);
}
