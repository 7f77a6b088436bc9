using OrleansTwoPc.Faults;

namespace OrleansTwoPc.Chaos;

/// <summary>
/// Fails a seeded fraction of grain-state writes while armed: half before the write (nothing landed), half after
/// (it landed but the grain is told it failed, the case that makes a protocol guess). It also slows a fraction of
/// writes down (<see cref="SlowStorage"/>): a real database fails after a timeout, not at once, and while a write
/// hangs a reentrant grain serves other calls from memory that is ahead of storage. One instance is shared by every
/// silo of the in-process cluster, replacements included, so the fault phase can be switched off in one place.
/// </summary>
public sealed class ChaosStorageFaults(int seed, double rate, double slowRate = 0.2) : IStorageFaultPolicy
{
    private readonly Random _random = Seeds.Stream(seed, Seeds.StorageStream);
    private readonly Lock _lock = new();
    private volatile bool _armed;
    private int _before;
    private int _after;
    private int _slow;
    private long _writes;

    /// <summary>Whether faults are injected now (only during the fault phase).</summary>
    public bool Armed
    {
        get => _armed;
        set => _armed = value;
    }

    public int FailedBeforeWrite => Volatile.Read(ref _before);

    public int FailedAfterWrite => Volatile.Read(ref _after);

    public int Injected => FailedBeforeWrite + FailedAfterWrite;

    /// <summary>Writes delayed by <see cref="NextLatency"/>.</summary>
    public int Slowed => Volatile.Read(ref _slow);

    /// <summary>Every write seen, armed or not: tells whether the fault rate met a meaningful number of writes.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>How long the next write hangs before it reaches the fault policy and the database (zero when disarmed).</summary>
    public TimeSpan NextLatency()
    {
        if (!_armed)
        {
            return TimeSpan.Zero;
        }

        double draw, length;
        lock (_lock)
        {
            draw = _random.NextDouble();
            length = _random.NextDouble();
        }

        if (draw >= slowRate)
        {
            return TimeSpan.Zero;
        }

        Interlocked.Increment(ref _slow);
        return TimeSpan.FromMilliseconds(5 + (length * 95));
    }

    StorageFault IStorageFaultPolicy.NextWrite(string grainType, GrainId grainId)
    {
        Interlocked.Increment(ref _writes);
        if (!_armed)
        {
            return StorageFault.None;
        }

        // Writes arrive from many threads, so the draw order (not the rate) depends on scheduling.
        double draw;
        lock (_lock)
        {
            draw = _random.NextDouble();
        }

        if (draw >= rate)
        {
            return StorageFault.None;
        }

        if (draw < rate / 2)
        {
            Interlocked.Increment(ref _before);
            return StorageFault.FailBeforeWrite;
        }

        Interlocked.Increment(ref _after);
        return StorageFault.FailAfterWrite;
    }
}
