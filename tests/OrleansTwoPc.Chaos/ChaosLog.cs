using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OrleansTwoPc.Protocol;

namespace OrleansTwoPc.Chaos;

/// <summary>
/// One logger provider for every silo and the client. Killing silos makes Orleans log many expected errors
/// (connection resets, dead silos, cancelled shutdowns), so by default entries are only counted, and echoed to the
/// console with <c>--verbose</c>. A <see cref="ProtocolInvariantException"/> anywhere is never expected: those are
/// kept verbatim and reported, since they are the service asserting its own correctness.
/// </summary>
public sealed class ChaosLog(bool echo, TextWriter output) : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, int> _byCategory = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _invariantFailures = new();
    private int _warnings;
    private int _errors;

    public int Warnings => Volatile.Read(ref _warnings);

    public int Errors => Volatile.Read(ref _errors);

    public IReadOnlyCollection<string> InvariantFailures => _invariantFailures;

    /// <summary>The categories that logged most, for the summary line.</summary>
    public string TopCategories(int count) => string.Join(", ", _byCategory
        .OrderByDescending(c => c.Value).Take(count).Select(c => $"{c.Key}={c.Value}"));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Shared across hosts; a host's disposal must not close it.</summary>
    public void Dispose()
    {
    }

    /// <summary>Records an invariant failure seen outside the log (e.g. in an abort reason or a client exception).</summary>
    public void ReportInvariantFailure(string where, string message) => _invariantFailures.Enqueue($"{where}: {message}");

    private void Write(string category, LogLevel level, string message, Exception? exception)
    {
        Interlocked.Increment(ref level >= LogLevel.Error ? ref _errors : ref _warnings);
        _byCategory.AddOrUpdate(Shorten(category), 1, (_, n) => n + 1);
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is ProtocolInvariantException)
            {
                ReportInvariantFailure(category, e.Message);
                break;
            }
        }

        if (echo)
        {
            lock (output)
            {
                output.WriteLine($"[{level}] {category}: {message}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}");
            }
        }
    }

    // "Orleans.Runtime.Messaging.NetworkingTrace" -> "Orleans.Runtime.Messaging": enough to see who is noisy.
    private static string Shorten(string category)
    {
        var parts = category.Split('.');
        return parts.Length <= 3 ? category : string.Join('.', parts[..3]);
    }

    private sealed class Logger(ChaosLog owner, string category) : ILogger
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
