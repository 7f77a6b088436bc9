using OrleansTwoPc.Configuration;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Scheduling;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Storage.PostgreSql;
using OrleansTwoPc.Storage.Sqlite;
using Xunit;

namespace OrleansTwoPc.Tests.Protocol;

/// <summary>
/// Regression: a sweep interval longer than Task.Delay's limit (~49.7 days; the tests "switch off" the retention sweep
/// with ten years) made every wait throw at once, and the sweep loop, which logs and loops on errors, spun: 24 GB of
/// log in ten minutes of one test.
/// </summary>
public class PeriodicTests
{
    [Fact]
    public async Task A_ten_year_interval_is_waited_not_refused()
    {
        var time = Wait.NewClock();
        using var stop = new CancellationTokenSource();

        var wait = Periodic.WaitAsync(TimeSpan.FromDays(3650), time, stop.Token);
        time.Advance(TimeSpan.FromDays(1));

        Assert.False(wait.IsCompleted, wait.Exception?.ToString());
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.Within());
    }

    [Fact]
    public async Task A_wait_ends_between_half_and_all_of_the_interval()
    {
        var time = Wait.NewClock();

        var wait = Periodic.WaitAsync(TimeSpan.FromSeconds(10), time, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(5.1));

        await wait.Within();
    }
}
