namespace OrleansTwoPc.Tests.Protocol;

/// <summary>
/// One stored row that several activations of a grain load and write, with the storage contract of Orleans'
/// providers: a write lands only if nobody wrote since the writer loaded (its ETag), else it throws. Two activations
/// over one store are what Orleans can briefly run around membership changes.
/// </summary>
internal sealed class SharedStore<T>(T initial, Func<T, T> copy)
    where T : class
{
    private readonly Lock _lock = new();
    private readonly Func<T, T> _copy = copy;
    private T _row = initial;
    private int _version;

    public int Version
    {
        get
        {
            lock (_lock)
            {
                return _version;
            }
        }
    }

    /// <summary>A copy of what is stored now.</summary>
    public T Read()
    {
        lock (_lock)
        {
            return _copy(_row);
        }
    }

    /// <summary>An activation: its own copy of the row and the version it loaded.</summary>
    public Activation Load()
    {
        lock (_lock)
        {
            return new Activation(this, _copy(_row), _version);
        }
    }

    public sealed class Activation(SharedStore<T> store, T state, int loaded)
    {
        private int _loaded = loaded;

        public T State { get; } = state;

        public int Writes { get; private set; }

        /// <summary>Writes this activation's state; throws if another activation wrote since this one loaded or wrote.</summary>
        public Task WriteAsync()
        {
            lock (store._lock)
            {
                Writes++;
                if (store._version != _loaded)
                {
                    return Task.FromException(new InvalidOperationException(
                        $"version conflict: loaded {_loaded}, stored {store._version} (another activation wrote)"));
                }

                store._row = store._copy(State);
                _loaded = ++store._version;
                return Task.CompletedTask;
            }
        }
    }
}
