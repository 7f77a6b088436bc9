using System.Net;
using OrleansTwoPc.Faults;

namespace OrleansTwoPc.Tests.Http;

/// <summary>Who may call: API keys with roles, the admin endpoints only with the admin role, Problem Details for refusals.</summary>
public sealed class HttpAuthTests(KeyedHttpApiFixture api) : IClassFixture<KeyedHttpApiFixture>
{
    [Fact]
    public async Task With_keys_configured_a_caller_without_a_key_or_with_a_wrong_one_is_401_and_nothing_runs()
    {
        using var anonymous = api.Client();
        using var wrong = api.Client("not-a-key-0123456789abcdef");
        var key = Api.Key("auth-none");

        using var withoutKey = await anonymous.PostAsync(key, Api.Body(("ledger", $"{key}-a", "credit", 5)));
        using var wrongKey = await wrong.PostAsync(key, Api.Body(("ledger", $"{key}-a", "credit", 5)));
        using var status = await anonymous.GetAsync($"transactions/{key}");

        Assert.Contains("send Authorization: Bearer", (await withoutKey.ProblemAsync(401, "unauthenticated")).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("not a valid API key", (await wrongKey.ProblemAsync(401, "unauthenticated")).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await status.ProblemAsync(401, "unauthenticated");
        Assert.Equal("Bearer", withoutKey.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(TransactionStatus.Unknown, (await api.Transactions.GetStatusAsync(key)).Status);
    }

    [Fact]
    public async Task A_caller_without_the_admin_role_is_403_on_every_admin_endpoint()
    {
        using var clerk = api.Client(HttpApiFixture.ClerkKey);

        using var inDoubt = await clerk.GetAsync("admin/in-doubt");
        using var inspect = await clerk.GetAsync("admin/transactions/x1");
        using var abort = await clerk.PostAsync("admin/transactions/x1/abort", null);

        foreach (var response in new[] { inDoubt, inspect, abort })
        {
            var problem = await response.ProblemAsync(403, "forbidden");
            Assert.Contains("needs the role 'admin'; caller 'shop' has no roles", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_admin_lists_in_doubt_transactions_inspects_and_aborts_an_undecided_one()
    {
        using var admin = api.Client(HttpApiFixture.AdminKey);
        var key = Api.Key("auth-admin");
        var stall = api.Stalls.Arm(key, FaultPoint.CoordinatorRecordWritten);
        using var accepted = await admin.PostAsync(key, Api.Transfer($"{key}-a", $"{key}-b", 1));
        await stall.Reached;

        using var inDoubt = await admin.GetAsync("admin/in-doubt?registryOnly=true");
        using var inspected = await admin.GetAsync($"admin/transactions/{key}");
        // The fixture lets the stalled driver go on once the coordinator has noted the abort; it then decides abort.
        using var aborted = await admin.PostAsync($"admin/transactions/{key}/abort", null);
        using var again = await admin.PostAsync($"admin/transactions/{key}/abort", null);
        using var unknown = await admin.GetAsync("admin/transactions/never-used-2");

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var listed = (await inDoubt.JsonAsync()).GetProperty("transactions").EnumerateArray().Select(t => t.GetProperty("operationId").GetString());
        Assert.Contains(key, listed);
        var record = await inspected.JsonAsync();
        Assert.Equal("Preparing", record.GetProperty("phase").GetString());
        Assert.Equal("none", record.GetProperty("decision").GetString());
        Assert.Equal(2, record.GetProperty("participants").GetArrayLength());
        var outcome = await aborted.JsonAsync();
        Assert.Equal("aborted", outcome.GetProperty("status").GetString());
        Assert.Equal("operator-abort", outcome.GetProperty("reason").GetProperty("code").GetString());
        Assert.Contains("is durable (aborted)", (await again.ProblemAsync(409, "operator-action-refused")).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await unknown.ProblemAsync(404, "unknown-operation");
    }

    [Fact]
    public async Task An_admin_key_may_also_run_transactions()
    {
        using var admin = api.Client(HttpApiFixture.AdminKey);

        using var response = await admin.PostAsync(Api.Key("auth-admin-tx"), Api.Body(("ledger", "admin-tx", "credit", 1)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
