using System.Net;
using System.Text;
using OrleansTwoPc.Faults;

namespace OrleansTwoPc.Tests.Http;

/// <summary>
/// <c>POST /transactions</c> through a real Kestrel and <see cref="HttpClient"/>: the Idempotency-Key contract (one
/// execution, the same answer for every retry, 422 for a key reused with another request, 202 past the server's wait)
/// and every kind of bad input as Problem Details.
/// </summary>
public sealed class HttpTransactionTests(KeyedHttpApiFixture api) : IClassFixture<KeyedHttpApiFixture>
{
    [Fact]
    public async Task A_retry_with_the_same_key_gets_the_same_answer_and_runs_nothing_again()
    {
        using var client = api.Client(HttpApiFixture.ClerkKey);
        var key = Api.Key("http-retry");
        var (from, to) = ($"{key}-a", $"{key}-b");
        await Deposit(client, from, 100);
        var body = Api.Transfer(from, to, 30);

        using var first = await client.PostAsync(key, body);
        using var retry = await client.PostAsync(key, body);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var firstText = await first.Content.ReadAsStringAsync();
        Assert.Equal(firstText, await retry.Content.ReadAsStringAsync());
        Assert.Equal("committed", (await first.JsonAsync()).GetProperty("status").GetString());
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", Assert.Single(retry.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(70, await api.BalanceAsync(from));
        Assert.Equal(30, await api.BalanceAsync(to));
    }

    [Fact]
    public async Task Concurrent_duplicates_of_one_key_execute_once()
    {
        using var client = api.Client(HttpApiFixture.ClerkKey);
        var key = Api.Key("http-dup");
        var (from, to) = ($"{key}-a", $"{key}-b");
        await Deposit(client, from, 100);
        var body = Api.Transfer(from, to, 7);

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => client.PostAsync(key, body)));

        var texts = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(texts.Distinct(StringComparer.Ordinal));
        Assert.Contains("\"committed\"", texts[0], StringComparison.Ordinal);
        Assert.Equal(93, await api.BalanceAsync(from));
        Assert.Equal(7, await api.BalanceAsync(to));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task A_key_reused_with_another_request_is_422_and_changes_nothing()
    {
        using var client = api.Client(HttpApiFixture.ClerkKey);
        var key = Api.Key("http-reuse");
        var (from, to) = ($"{key}-a", $"{key}-b");
        await Deposit(client, from, 100);
        using var first = await client.PostAsync(key, Api.Transfer(from, to, 30));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var reused = await client.PostAsync(key, Api.Transfer(from, to, 31));

        var problem = await reused.ProblemAsync(422, "operation-conflict");
        Assert.Equal(key, problem.GetProperty("operationId").GetString());
        Assert.Contains("already used with a different request", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(70, await api.BalanceAsync(from));
        Assert.Equal(30, await api.BalanceAsync(to));
    }

    [Fact]
    public async Task An_aborted_transaction_is_200_with_the_reason_and_the_same_on_retry()
    {
        using var client = api.Client(HttpApiFixture.ClerkKey);
        var key = Api.Key("http-abort");
        var body = Api.Transfer($"{key}-a", $"{key}-b", 999);

        using var first = await client.PostAsync(key, body);
        using var retry = await client.PostAsync(key, body);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var outcome = await first.JsonAsync();
        Assert.Equal("aborted", outcome.GetProperty("status").GetString());
        Assert.Equal("insufficient-funds", outcome.GetProperty("reason").GetProperty("code").GetString());
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(null, "Idempotency-Key", "required: the operation id")]
    [InlineData("", "Idempotency-Key", "required: the operation id")]
    [InlineData("has space", "Idempotency-Key", "must be 1 to 128 characters of A-Z a-z 0-9 . _ : -; got 'has space'")]
    [InlineData("slash/inside", "Idempotency-Key", "must be 1 to 128 characters of A-Z a-z 0-9 . _ : -; got 'slash/inside'")]
    public async Task A_missing_or_malformed_key_is_400_naming_the_header(string? key, string field, string rule)
    {
        using var client = api.Client(HttpApiFixture.ClerkKey);

        using var response = await client.PostAsync(key, Api.Transfer("x1", "x2", 1));

        var problem = await response.ProblemAsync(400, "invalid-request");
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Contains(rule, problem.GetProperty("rule").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_quoted_key_is_the_same_key_as_a_bare_one()
    {
        using var client = api.Client(HttpApiFixture.ClerkKey);
        var key = Api.Key("http-quoted");
        var body = Api.Body(("ledger", $"{key}-a", "credit", 5));

        using var bare = await client.PostAsync(key, body);
        using var quoted = await client.PostAsync($"\"{key}\"", body);

        Assert.Equal(HttpStatusCode.OK, quoted.StatusCode);
        Assert.Equal("true", Assert.Single(quoted.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(5, await api.BalanceAsync($"{key}-a"));
    }

    [Theory]
    [InlineData("{", "malformed JSON at line 1, $", "$")]
    [InlineData("not json", "malformed JSON at line 1, $", "$")]
    [InlineData("""{"operations":[{"kind":"ledger","key":"a","action":"credit","amout":5}]}""", "unknown property at line 1, $.operations[0].amout", "$.operations[0].amout")]
    [InlineData("""{"operations":[{"kind":"ledger","key":"a","action":"credit","amount":"5"}]}""", "amount must be a whole number between 1 and 1000000000000000 at line 1, $.operations[0].amount", "$.operations[0].amount")]
    [InlineData("""{"operations":[{"kind":"ledger","key":"a","action":"credit","amount":1.5}]}""", "amount must be a whole number", "$.operations[0].amount")]
    [InlineData("null", "holds null", "$")]
    [InlineData("", "is empty", "$")]
    public async Task A_body_that_is_no_request_is_400_naming_the_place(string body, string rule, string field)
    {
        using var client = api.Client(HttpApiFixture.ClerkKey);

        using var response = await client.PostAsync(Api.Key("http-bad-json"), body);

        var problem = await response.ProblemAsync(400, "malformed-request");
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Contains(rule, problem.GetProperty("rule").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"operations":[]}""", "operations", "must name at least one participant")]
    [InlineData("""{"operations":[{"kind":"ledger","key":"a b","action":"credit","amount":1}]}""", "operations[0].key", "got 'a b'")]
    [InlineData("""{"operations":[{"kind":"ledger","key":"a","action":"credit","amount":0}]}""", "operations[0].amount", "must be between 1 and 1000000000000000; got 0")]
    [InlineData("""{"operations":[{"kind":"wallet","key":"a","action":"credit","amount":1}]}""", "operations[0].kind", "unknown participant kind 'wallet'; known kinds: inventory, ledger")]
    [InlineData("""{"operations":[{"kind":"ledger","key":"a","action":"steal","amount":1}]}""", "operations[0].action", "'steal' is not an action of kind 'ledger'; allowed: credit, debit")]
    [InlineData("""{"operations":[{"kind":"ledger","key":"a","action":"credit"}]}""", "operations[0].amount", "is missing")]
    [InlineData("""{"createdAt":"2026-12-04T18:00:00Z"}""", "operations", "is missing from the request")]
    public async Task A_request_that_breaks_a_rule_is_400_with_the_field_and_rule(string body, string field, string rule)
    {
        using var client = api.Client(HttpApiFixture.ClerkKey);

        using var response = await client.PostAsync(Api.Key("http-rule"), body);

        var problem = await response.ProblemAsync(400, "invalid-request");
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Contains(rule, problem.GetProperty("rule").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_without_time_needs_createdAt_in_the_body()
    {
        using var client = api.Client(HttpApiFixture.ClerkKey);
        var undated = """{"operations":[{"kind":"ledger","key":"nt-a","action":"credit","amount":1}]}""";

        using var refused = await client.PostAsync("order-4711-" + Guid.NewGuid().ToString("N"), undated);
        using var timeOrdered = await client.PostAsync(Api.Key("http-v7"), undated);

        var problem = await refused.ProblemAsync(400, "invalid-request");
        Assert.Equal("createdAt", problem.GetProperty("field").GetString());
        Assert.Contains("UUIDv7", problem.GetProperty("rule").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, timeOrdered.StatusCode);
    }

    [Fact]
    public async Task An_oversized_body_is_413_with_or_without_a_length()
    {
        using var client = api.Client(HttpApiFixture.ClerkKey);
        var big = Api.Body(("ledger", "big", "credit", 1)).Replace("\"big\"", "\"big\"" + new string(' ', 5000), StringComparison.Ordinal);

        using var sized = await client.PostAsync(Api.Key("http-big"), big);
        using var chunked = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "transactions")
        {
            Headers = { { "Idempotency-Key", Api.Key("http-big-chunked") } },
            Content = new ChunkedContent(Encoding.UTF8.GetBytes(big)),
        });

        await sized.ProblemAsync(413, "request-too-large");
        await chunked.ProblemAsync(413, "request-too-large");
        Assert.Equal(0, await api.BalanceAsync("big"));
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_415()
    {
        using var client = api.Client(HttpApiFixture.ClerkKey);

        using var response = await client.PostAsync(Api.Key("http-form"), "operations=1", "application/x-www-form-urlencoded");

        var problem = await response.ProblemAsync(415, "unsupported-media-type");
        Assert.Equal("Content-Type", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Past_the_servers_wait_the_answer_is_202_with_a_location_and_the_transaction_runs_once()
    {
        using var client = api.Client(HttpApiFixture.ClerkKey);
        var key = Api.Key("http-slow");
        var (from, to) = ($"{key}-a", $"{key}-b");
        await Deposit(client, from, 50);
        var body = Api.Transfer(from, to, 20);
        var stall = api.Stalls.Arm(key, FaultPoint.CoordinatorRecordWritten);

        using var accepted = await client.PostAsync(key, body);
        await stall.Reached;
        using var stillRunning = await client.PostAsync(key, body);
        using var polled = await client.GetAsync(accepted.Headers.Location);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal($"/transactions/{key}", accepted.Headers.Location?.OriginalString);
        Assert.Equal("in-progress", (await accepted.JsonAsync()).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Accepted, stillRunning.StatusCode);
        Assert.Equal("in-progress", (await polled.JsonAsync()).GetProperty("status").GetString());

        api.Stalls.Release(key);
        using var retried = await client.PostAsync(key, body);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("committed", (await retried.JsonAsync()).GetProperty("status").GetString());
        Assert.Equal(30, await api.BalanceAsync(from));
        Assert.Equal(20, await api.BalanceAsync(to));
    }

    [Fact]
    public async Task Status_of_a_decided_id_has_its_completion_and_of_an_unknown_one_is_404()
    {
        using var client = api.Client(HttpApiFixture.ClerkKey);
        var key = Api.Key("http-status");
        await Deposit(client, $"{key}-a", 5, key);

        using var known = await client.GetAsync($"transactions/{key}");
        using var unknown = await client.GetAsync("transactions/never-used-1");
        using var bad = await client.GetAsync("transactions/a%20b");

        var status = await known.JsonAsync();
        Assert.Equal("committed", status.GetProperty("status").GetString());
        Assert.True(status.TryGetProperty("decidedAt", out _));
        await unknown.ProblemAsync(404, "unknown-operation");
        Assert.Equal("operationId", (await bad.ProblemAsync(400, "invalid-request")).GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_participant_shows_its_committed_value_and_an_unknown_kind_is_400()
    {
        using var client = api.Client(HttpApiFixture.ClerkKey);
        var key = Api.Key("http-part");
        await Deposit(client, $"{key}-a", 12);

        using var participant = await client.GetAsync($"participants/ledger/{key}-a");
        using var wallet = await client.GetAsync("participants/wallet/a");

        var value = await participant.JsonAsync();
        Assert.Equal("balance=12 held=0 incoming=0", value.GetProperty("value").GetString());
        Assert.Equal(0, value.GetProperty("prepared").GetArrayLength());
        var problem = await wallet.ProblemAsync(400, "invalid-request");
        Assert.Equal("kind", problem.GetProperty("field").GetString());
    }

    private static async Task Deposit(HttpClient client, string account, long amount, string? key = null)
    {
        using var response = await client.PostAsync(key ?? Api.Key("dep"), Api.Body(("ledger", account, "credit", amount)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("committed", (await response.JsonAsync()).GetProperty("status").GetString());
    }

    /// <summary>A body sent with Transfer-Encoding: chunked (no Content-Length), as a streaming client sends one.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] bytes;

        public ChunkedContent(byte[] bytes)
        {
            this.bytes = bytes;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
