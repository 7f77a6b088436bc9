using System.Net;
using OrleansTwoPc.Faults;

namespace OrleansTwoPc.Tests.Http;

/// <summary><c>/health/live</c> and <c>/health/ready</c> in ASP.NET Core's health report format, without a key.</summary>
public sealed class HttpHealthTests(AnonymousHttpApiFixture api) : IClassFixture<AnonymousHttpApiFixture>
{
    [Fact]
    public async Task Live_and_ready_are_healthy_on_an_active_silo_with_its_storage_and_no_old_transaction()
    {
        using var client = api.Client();

        using var live = await client.GetAsync("health/live");
        using var ready = await client.GetAsync("health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", (await live.JsonAsync()).GetProperty("status").GetString());
        var report = await ready.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", report.GetProperty("status").GetString());
        var entries = report.GetProperty("entries");
        Assert.Equal(["in-doubt", "silo", "storage"], entries.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal("Active", entries.GetProperty("silo").GetProperty("data").GetProperty("status").GetString());
        Assert.Equal("memory storage", entries.GetProperty("storage").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Ready_is_503_while_a_transaction_stays_unfinished_longer_than_the_limit_and_healthy_again_once_it_ends()
    {
        using var client = api.Client();
        var key = Api.Key("health-stuck");
        var stall = api.Stalls.Arm(key, FaultPoint.CoordinatorRecordWritten);
        var post = client.PostAsync(key, Api.Transfer($"{key}-a", $"{key}-b", 1));
        await stall.Reached;

        // The limit is 1 s and the server's wait 3 s: once the POST has answered 202 the transaction is old enough.
        using var accepted = await post;
        using var stuck = await client.GetAsync("health/ready");
        api.Stalls.Release(key);
        using var live = await client.GetAsync("health/live");

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, stuck.StatusCode);
        var inDoubt = (await stuck.JsonAsync()).GetProperty("entries").GetProperty("in-doubt");
        Assert.Equal("Unhealthy", inDoubt.GetProperty("status").GetString());
        Assert.Equal(key, inDoubt.GetProperty("data").GetProperty("oldestOperationId").GetString());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        await WaitUntilReadyAsync(client);
    }

    private static async Task WaitUntilReadyAsync(HttpClient client)
    {
        // The coordinator unregisters with a one-way message after completing: poll until the registry has it.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            using var ready = await client.GetAsync("health/ready", timeout.Token);
            if (ready.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            await Task.Delay(100, timeout.Token);
        }
    }
}
