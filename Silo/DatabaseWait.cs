using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansTwoPc.Hosting;

namespace OrleansTwoPc.Silo;

/// <summary>
/// How a PostgreSQL silo waits for its database at start, bound from <c>TwoPc:Storage:StartWait</c>: a database that is
/// down (restarting, not yet up beside the silo) is waited for, with backoff, instead of failing the start.
/// </summary>
public sealed class DatabaseWaitOptions
{
    public const string Section = "TwoPc:Storage:StartWait";

    /// <summary>Wait before the second attempt; doubled after each failed one. Default 500 milliseconds.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait between two attempts. Default 10 seconds.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Give up (the start fails) after this long; <c>00:00:00</c> waits as long as it takes. Default 0 (no limit).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.Zero;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad value.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialBackoff, TimeSpan.FromMilliseconds(10), $"{Section}:{nameof(InitialBackoff)}");
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBackoff, InitialBackoff, $"{Section}:{nameof(MaxBackoff)}");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBackoff, TimeSpan.FromMinutes(10), $"{Section}:{nameof(MaxBackoff)}");
        ArgumentOutOfRangeException.ThrowIfLessThan(Timeout, TimeSpan.Zero, $"{Section}:{nameof(Timeout)}");
    }
}

/// <summary>
/// Runs before the silo starts (a hosted service registered ahead of Orleans', and hosted services start in order):
/// opens a connection to the PostgreSQL database and runs <c>SELECT 1</c>, retrying with backoff and logging each
/// failed attempt, until it answers. Then the silo starts as usual (schema, membership, grain storage). Stopping the
/// host ends the wait.
/// </summary>
internal sealed partial class DatabaseWait(TwoPcStorageOptions storage, DatabaseWaitOptions options, TimeProvider time, ILogger<DatabaseWait> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (storage.Provider != StorageProvider.Postgres)
        {
            return;
        }

        var where = storage.Postgres().Description();
        var connectionString = new NpgsqlConnectionStringBuilder(storage.Postgres().ServiceConnectionString()) { Pooling = false }.ConnectionString;
        var started = time.GetUtcNow();
        var backoff = options.InitialBackoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(cancellationToken);
                if (attempt > 1)
                {
                    var waited = time.GetUtcNow() - started;
                    LogReachable(logger, where, attempt, waited);
                }

                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                var waited = time.GetUtcNow() - started;
                if (options.Timeout > TimeSpan.Zero && waited + backoff > options.Timeout)
                {
                    throw new InvalidOperationException(
                        $"PostgreSQL ({where}) did not answer within {options.Timeout} ({attempt} attempts; {DatabaseWaitOptions.Section}:Timeout): {ex.Message}", ex);
                }

                LogUnreachable(logger, where, attempt, ex.Message, backoff);
                await Task.Delay(backoff, time, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxBackoff.Ticks));
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 150, Level = LogLevel.Warning,
        Message = "Waiting for PostgreSQL ({Database}): attempt {Attempt} failed ({Error}); next attempt in {Backoff}")]
    private static partial void LogUnreachable(ILogger logger, string database, int attempt, string error, TimeSpan backoff);

    [LoggerMessage(EventId = 151, Level = LogLevel.Information,
        Message = "PostgreSQL ({Database}) answers, after {Attempt} attempts in {Waited}; starting the silo")]
    private static partial void LogReachable(ILogger logger, string database, int attempt, TimeSpan waited);
}
