using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OrleansTwoPc.Benchmark.Cluster;

/// <summary>
/// Silo and client logs at warning and above go to a file in the results folder, not the console: a loaded SQLite
/// silo logs hundreds of long-running-turn warnings, which are evidence, not progress. Counted per category.
/// </summary>
public sealed class BenchLog(string path) : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, int> _byCategory = new(StringComparer.Ordinal);
    private StreamWriter? _writer;
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Entries so far per shortened category, most first, then resets the counts.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> TakeCounts()
    {
        var counts = _byCategory.OrderByDescending(c => c.Value).ToList();
        _byCategory.Clear();
        return counts;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Shared by every silo and the client; closed once at the end with <see cref="Close"/>.</summary>
    public void Dispose()
    {
    }

    public void Close()
    {
        lock (_lock)
        {
            _writer?.Dispose();
            _writer = null;
        }
    }

    private void Write(string category, LogLevel level, string message, Exception? exception)
    {
        Interlocked.Increment(ref _count);
        var parts = category.Split('.');
        _byCategory.AddOrUpdate(parts.Length <= 3 ? category : string.Join('.', parts[..3]), 1, (_, n) => n + 1);
        lock (_lock)
        {
            _writer ??= new StreamWriter(path, append: true);
            _writer.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} [{level}] {category}: {message}");
            if (exception is not null)
            {
                _writer.WriteLine($"    {exception.GetType().Name}: {exception.Message}");
            }
        }
    }

    private sealed class Logger(BenchLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Write(category, logLevel, formatter(state, exception), exception);
            }
        }
    }
}
