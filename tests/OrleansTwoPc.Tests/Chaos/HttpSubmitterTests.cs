using System.Net;
using OrleansTwoPc.Chaos;
using static OrleansTwoPc.Tests.Chaos.ScriptedSilos;

namespace OrleansTwoPc.Tests.Chaos;

/// <summary>
/// The chaos workload's HTTP path maps every way a silo can answer onto the responses the checker judges, as the
/// Orleans client's answers are: an outcome, a refusal, or unknown; one response per submission, never none.
/// </summary>
public sealed class HttpSubmitterTests
{
    private static readonly Uri Silo0 = new("http://127.0.0.1:18081/");
    private static readonly Uri Silo1 = new("http://127.0.0.1:18082/");
    private static readonly DateTimeOffset CreatedAt = new(2026, 12, 5, 7, 39, 0, 123, TimeSpan.Zero);
    private static readonly DateTimeOffset DecidedAt = new DateTimeOffset(2026, 12, 5, 7, 40, 10, TimeSpan.Zero).AddTicks(7_824_971);
    private const string Committed = """{"operationId":"t1","status":"committed","decidedAt":"2026-12-05T07:40:10.7824971+00:00"}""";

    [Fact]
    public async Task A_committed_answer_is_the_outcome_and_the_body_is_the_request_as_the_service_reads_it()
    {
        var silos = new ScriptedSilos((_, _) =>
        {
            var response = Json(HttpStatusCode.OK, Committed);
            response.Headers.Add("Idempotent-Replayed", "true");
            return response;
        });
        var (response, record, _) = await SubmitAsync(silos, Submission.Replay);

        Assert.Equal((TransactionStatus.Committed, DecidedAt, true, true), (response.Status, response.DecidedAt, response.Replayed, response.ViaHttp));
        var sent = Assert.Single(silos.Requests);
        Assert.Equal((HttpMethod.Post, new Uri(Silo0, "transactions"), "t1"), (sent.Method, sent.Uri, sent.Key));
        // The same parser as POST /transactions: the operations and the id's creation time, unchanged.
        var read = RequestJson.Read(sent.Body!);
        Assert.Equal(record.Request.Operations, read.Operations);
        Assert.Equal(CreatedAt, read.CreatedAt);
    }

    [Fact]
    public async Task An_abort_keeps_its_reason()
    {
        var silos = new ScriptedSilos((_, _) => Json(HttpStatusCode.OK,
            """{"operationId":"t1","status":"aborted","reason":{"code":"insufficient-funds","message":"ledger/a has 0 available, needs 10"},"decidedAt":"2026-12-05T07:40:10.7824971+00:00"}"""));
        var (response, _, _) = await SubmitAsync(silos);

        Assert.Equal((TransactionStatus.Aborted, "insufficient-funds", DecidedAt, false), (response.Status, response.ReasonCode, response.DecidedAt, response.Replayed));
    }

    [Fact]
    public async Task A_silo_that_refuses_the_connection_is_left_for_the_other()
    {
        var silos = new ScriptedSilos((n, _) => n == 1 ? Refused() : Json(HttpStatusCode.OK, Committed));
        var (response, _, history) = await SubmitAsync(silos);

        Assert.Equal(TransactionStatus.Committed, response.Status);
        Assert.Equal([Silo0.Authority, Silo1.Authority], silos.Requests.Select(r => r.Uri.Authority));
        Assert.Equal(1, history.Retries);
    }

    [Fact]
    public async Task A_202_is_polled_at_its_location_and_posted_again_while_undecided()
    {
        var silos = new ScriptedSilos((n, _) => n switch
        {
            1 or 3 => Accepted("t1", TimeSpan.Zero),
            2 => Json(HttpStatusCode.OK, """{"operationId":"t1","status":"in-progress"}"""),
            _ => Json(HttpStatusCode.OK, Committed + "\n"),
        });
        var (response, _, _) = await SubmitAsync(silos);

        Assert.Equal((TransactionStatus.Committed, DecidedAt), (response.Status, response.DecidedAt));
        Assert.Equal(["POST /transactions", "GET /transactions/t1", "POST /transactions", "GET /transactions/t1"],
            silos.Requests.Select(r => $"{r.Method} {r.Uri.AbsolutePath}"));
        Assert.All(silos.Requests, r => Assert.Equal(Silo0.Authority, r.Uri.Authority));
    }

    [Theory]
    [InlineData(HttpStatusCode.UnprocessableEntity, "operation-conflict", nameof(OperationConflictException))]
    [InlineData(HttpStatusCode.UnprocessableEntity, "operation-expired", nameof(OperationExpiredException))]
    [InlineData(HttpStatusCode.BadRequest, "invalid-request", nameof(InvalidRequestException))]
    [InlineData(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type", nameof(InvalidRequestException))]
    public async Task A_refusal_is_the_exception_the_orleans_client_throws_and_is_not_retried(HttpStatusCode status, string type, string error)
    {
        var silos = new ScriptedSilos((_, _) => Json(status,
            $$"""{"type":"urn:orleanstwopc:problem:{{type}}","status":{{(int)status}},"detail":"refused","field":"operations","rule":"planted"}"""));
        var (response, _, _) = await SubmitAsync(silos);

        Assert.Equal((null, error, true), (response.Status, response.Error, response.ViaHttp));
        Assert.Single(silos.Requests);
    }

    [Fact]
    public async Task Failures_until_the_deadline_leave_an_unknown_answer_naming_the_last()
    {
        var silos = new ScriptedSilos((n, _) => n % 2 == 1 ? Refused() : Json(HttpStatusCode.ServiceUnavailable,
            """{"type":"urn:orleanstwopc:problem:cluster-unavailable","status":503,"detail":"TimeoutException: no answer"}"""));
        // A deadline long enough for a few attempts (backoff 0.1, 0.2, 0.4, 0.8 s) even when the first one is slow on a
        // loaded machine: with 1 s, the first request of a cold test host once took the whole second (CI, 1 attempt).
        var (response, _, history) = await SubmitAsync(silos, deadline: TimeSpan.FromSeconds(4));

        Assert.Equal((null, nameof(OutcomeUnknownException), true), (response.Status, response.Error, response.ViaHttp));
        Assert.True(silos.Requests.Count >= 2, $"{silos.Requests.Count} attempts");
        Assert.Equal(silos.Requests.Count - 1, history.Retries);
        // The last attempt's failure: its scripted answer, or its own timeout when the deadline cut it short.
        var last = silos.Requests.Count % 2 == 0 ? "503 cluster-unavailable" : "refused";
        Assert.True(response.ErrorMessage!.Contains(last, StringComparison.Ordinal) || response.ErrorMessage.Contains("did not answer in time", StringComparison.Ordinal),
            $"expected the last failure ({last}) in: {response.ErrorMessage}");
    }

    [Fact]
    public async Task A_200_that_is_not_an_outcome_for_this_id_is_no_answer()
    {
        var silos = new ScriptedSilos((n, _) => Json(HttpStatusCode.OK, n == 1 ? "not json" : Committed.Replace("\"t1\"", "\"t2\"", StringComparison.Ordinal)));
        var (response, _, _) = await SubmitAsync(silos, deadline: TimeSpan.FromSeconds(3));

        Assert.Equal(nameof(OutcomeUnknownException), response.Error);
        Assert.Contains("another operation id", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_options_take_http_addresses_only_for_an_external_run_with_a_share_in_range()
    {
        string[] external = ["--external", "--gateways", "127.0.0.1:30001"];
        var options = ChaosOptions.Parse([.. external, "--http", "http://127.0.0.1:18081,http://127.0.0.1:18082/api"]);
        Assert.Equal(["http://127.0.0.1:18081/", "http://127.0.0.1:18082/api/"], options.Http.Select(u => u.ToString()));
        Assert.Equal(0.5, options.EffectiveHttpShare);
        Assert.Equal(0.2, ChaosOptions.Parse([.. external, "--http", "http://127.0.0.1:18081", "--http-share", "0.2"]).EffectiveHttpShare);

        Assert.Throws<ArgumentException>(() => ChaosOptions.Parse(["--http", "http://127.0.0.1:18081"]));
        Assert.Throws<ArgumentException>(() => ChaosOptions.Parse([.. external, "--http-share", "0.5"]));
        Assert.Throws<ArgumentException>(() => ChaosOptions.Parse([.. external, "--http", "127.0.0.1:18081"]));
        Assert.Throws<ArgumentException>(() => ChaosOptions.Parse([.. external, "--http", "ftp://127.0.0.1:18081"]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChaosOptions.Parse([.. external, "--http", "http://127.0.0.1:18081", "--http-share", "0"]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChaosOptions.Parse([.. external, "--http", "http://127.0.0.1:18081", "--http-share", "1.5"]));
    }

    private static async Task<(Response Response, OperationRecord Record, History History)> SubmitAsync(
        ScriptedSilos silos, Submission submission = Submission.First, TimeSpan? deadline = null)
    {
        var history = new History();
        var record = history.Start("t1", "transfer", TransactionRequest.Transfer("a", "b", 10) with { CreatedAt = CreatedAt });
        var retries = Workload.ClientRetries();
        retries.Deadline = deadline ?? retries.Deadline;
        using var http = new HttpSubmitter([Silo0, Silo1], retries, silos);
        return (await http.SubmitAsync(record, submission, 0, history), record, history);
    }
}
