using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using OrleansTwoPc.Client;
using OrleansTwoPc.Http;

namespace OrleansTwoPc.Chaos;

/// <summary>
/// Submits an operation through the silos' HTTP API as any HTTP caller would (docs/http.md): <c>POST /transactions</c>
/// with the operation id as <c>Idempotency-Key</c> and the request, with its <c>createdAt</c>, as the JSON body. It
/// behaves like <see cref="OrleansTwoPc.Client.TransactionClient"/> so that both kinds of answer mean the same to the
/// checker: it retries with the same key and backoff (<see cref="Workload.ClientRetries"/>), and each submission ends in
/// exactly one <see cref="Response"/> (marked <see cref="Response.ViaHttp"/>), never none. 200 is the outcome; 202 is
/// "still undecided": it polls the <c>Location</c> once, then posts again (a retry joins, never runs twice). A refused
/// or reset connection (a killed silo), a timeout (a paused one) or a 5xx is a failure that moves the next attempt to
/// the other silo; when the deadline passes it records an <see cref="OutcomeUnknownException"/>, as the Orleans client
/// throws. A 400/413/415 or 422 refusal becomes the exception the Orleans client would have thrown, so the checker
/// flags it the same way.
/// </summary>
public sealed class HttpSubmitter : IDisposable
{
    /// <summary>
    /// The longest one attempt waits: the silos answer 202 after <c>TwoPc:Http:Wait</c> (10 s), so this is that plus a
    /// margin. A paused silo accepts connections (the kernel does) and never answers: this bounds the wait for it.
    /// </summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan LongestRetryAfter = TimeSpan.FromSeconds(2);

    private const string IdempotencyKeyHeader = "Idempotency-Key";
    private const string ReplayedHeader = "Idempotent-Replayed";
    private const string ProblemTypePrefix = "urn:orleanstwopc:problem:";

    private readonly HttpClient _http;
    private readonly TransactionClientOptions _retries;
    private readonly TimeSpan _deadline;
    private readonly ConcurrentDictionary<string, int> _answers = new(StringComparer.Ordinal);

    /// <param name="endpoints">The silos' HTTP base addresses (at least one).</param>
    /// <param name="retries">How long one submission keeps retrying before its answer is unknown, and its backoff.</param>
    public HttpSubmitter(IReadOnlyList<Uri> endpoints, TransactionClientOptions retries)
        : this(endpoints, retries, new SocketsHttpHandler
        {
            // A killed silo refuses at once; a short connect timeout only matters for an unreachable address.
            ConnectTimeout = TimeSpan.FromSeconds(2),
            // A restarted silo is a new process on the same port: pooled connections to the old one fail and are
            // replaced; a bounded lifetime keeps the pool from holding many of them.
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
        })
    {
    }

    /// <summary>Over <paramref name="handler"/> (a test's scripted silos); disposed with this.</summary>
    internal HttpSubmitter(IReadOnlyList<Uri> endpoints, TransactionClientOptions retries, HttpMessageHandler handler)
    {
        ArgumentOutOfRangeException.ThrowIfZero(endpoints.Count, nameof(endpoints));
        retries.Validate();
        Endpoints = endpoints;
        _retries = retries;
        _deadline = retries.Deadline;
        _http = new HttpClient(handler)
        {
            // Each attempt has its own timeout (the remaining deadline, at most AttemptTimeout).
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public IReadOnlyList<Uri> Endpoints { get; }

    /// <summary>What the silos answered (and which attempts failed how), counted by kind, for the report.</summary>
    public string Answers => _answers.IsEmpty
        ? "none"
        : string.Join(", ", _answers.OrderByDescending(a => a.Value).ThenBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key} {a.Value}"));

    /// <summary>
    /// Submits <paramref name="record"/>'s request under its id, first to endpoint <paramref name="endpoint"/>.
    /// Never throws: every way it ends is a response. Counts each retry in <paramref name="history"/>.
    /// </summary>
    public async Task<Response> SubmitAsync(OperationRecord record, Submission submission, int endpoint, History history)
    {
        var body = Body(record.Request);
        var clock = Stopwatch.StartNew();
        var backoff = _retries.InitialBackoff;
        var target = endpoint;
        Exception? lastError = null;
        while (true)
        {
            if (clock.Elapsed >= _deadline)
            {
                return Unknown(record, submission, lastError);
            }

            var baseAddress = Endpoints[target % Endpoints.Count];
            var (answer, pending, error) = await PostAsync(baseAddress, record, submission, body, clock);
            if (answer is not null)
            {
                return answer;
            }

            if (pending is not null)
            {
                // Undecided after the silo's wait: the transaction goes on. Ask where the silo said, then post again.
                (answer, error) = await PollAsync(new Uri(baseAddress, pending.Value.Location), record, submission, pending.Value.RetryAfter, clock);
                if (answer is not null)
                {
                    return answer;
                }

                if (error is null)
                {
                    continue; // still in progress: the next post joins it on the same silo
                }
            }

            lastError = error;
            target++; // the other silo next: this one may be down
            if (clock.Elapsed + backoff >= _deadline)
            {
                return Unknown(record, submission, lastError);
            }

            await Task.Delay(backoff * (0.5 + (Random.Shared.NextDouble() / 2)));
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _retries.MaxBackoff.Ticks));
            if (clock.Elapsed >= _deadline)
            {
                return Unknown(record, submission, lastError); // the delay overran the deadline (a loaded machine): no retry went out
            }

            history.CountRetry();
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The request as <c>POST /transactions</c> takes it (the API's own contract types, camelCase).</summary>
    internal static string Body(TransactionRequest request) => JsonSerializer.Serialize(
        new TransactionBody([.. request.Operations.Select(o => new OperationBody(o.Kind, o.Key, o.Action, o.Amount))], request.CreatedAt),
        JsonSerializerOptions.Web);

    /// <summary>One <c>POST /transactions</c>: an answer, a 202's location, or the error that makes it worth retrying.</summary>
    private async Task<(Response? Answer, (Uri Location, TimeSpan RetryAfter)? Pending, Exception? Error)> PostAsync(
        Uri baseAddress, OperationRecord record, Submission submission, string body, Stopwatch clock)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, "transactions"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(IdempotencyKeyHeader, record.Id);
        var (status, text, headers, error) = await SendAsync(request, "POST", clock);
        if (error is not null)
        {
            return (null, null, error);
        }

        var problem = Problem(text);
        Count($"POST {(int)status}{(problem.Type is null ? "" : " " + problem.Type)}");
        switch (status)
        {
            case HttpStatusCode.OK:
                var (answer, unreadable) = Outcome(text, record, submission, replayed: headers!.TryGetValues(ReplayedHeader, out var replayed) && replayed.Contains("true"));
                return (answer, null, unreadable);
            case HttpStatusCode.Accepted:
                var location = headers!.Location ?? new Uri("transactions/" + Uri.EscapeDataString(record.Id), UriKind.Relative);
                var retryAfter = headers.RetryAfter?.Delta is { } delta && delta < LongestRetryAfter ? delta : LongestRetryAfter;
                return (null, (location, retryAfter), null);
            case HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnsupportedMediaType:
                // Refused as bad input, nothing stored: what InvalidRequestException says on the Orleans client.
                return (Refused(submission, new InvalidRequestException(problem.Field ?? "request", problem.Rule ?? problem.Detail ?? text)), null, null);
            case HttpStatusCode.UnprocessableEntity when problem.Type == "operation-conflict":
                return (Refused(submission, new OperationConflictException(record.Id)), null, null);
            case HttpStatusCode.UnprocessableEntity when problem.Type == "operation-expired":
                return (Refused(submission, new OperationExpiredException(problem.Detail ?? text, new HttpRequestException(problem.Detail ?? text))), null, null);
            default:
                // 503 (the cluster did not answer) and anything unexpected: retried, as the Orleans client retries
                // every error it does not know to be definite. The last one is kept in the unknown answer's message.
                return (null, null, new HttpRequestException(Describe("POST", status, problem, text), null, status));
        }
    }

    /// <summary>One <c>GET</c> of a 202's location: the decided outcome, nothing yet (in progress), or an error.</summary>
    private async Task<(Response? Answer, Exception? Error)> PollAsync(Uri location, OperationRecord record, Submission submission,
        TimeSpan retryAfter, Stopwatch clock)
    {
        if (clock.Elapsed + retryAfter >= _deadline)
        {
            return (null, new TimeoutException($"the deadline passes before the 202's Retry-After ({retryAfter.TotalSeconds:0.#} s)"));
        }

        await Task.Delay(retryAfter);
        using var request = new HttpRequestMessage(HttpMethod.Get, location);
        var (status, text, _, error) = await SendAsync(request, "GET", clock);
        if (error is not null)
        {
            return (null, error);
        }

        var problem = Problem(text);
        if (status != HttpStatusCode.OK)
        {
            Count($"GET {(int)status}{(problem.Type is null ? "" : " " + problem.Type)}");
            return (null, new HttpRequestException(Describe("GET", status, problem, text), null, status));
        }

        // A status read carries no Idempotent-Replayed header, so a replay answered this way shows as "replay flag
        // missing" in the report (counted, not a violation); it happens only when a replay's POST answered 202.
        var (answer, unreadable) = Outcome(text, record, submission, replayed: false);
        var decided = answer?.IsDefinite == true;
        Count(decided ? "GET 200 decided" : "GET 200 undecided");
        // A status read that is not decided yet is no answer to the submission: the caller posts again.
        return decided ? (answer, null) : (null, unreadable);
    }

    /// <summary>Sends with the attempt's timeout; a failed connection or a timeout is returned, never thrown.</summary>
    private async Task<(HttpStatusCode Status, string Text, System.Net.Http.Headers.HttpResponseHeaders? Headers, Exception? Error)> SendAsync(
        HttpRequestMessage request, string method, Stopwatch clock)
    {
        var remaining = _deadline - clock.Elapsed;
        using var timeout = new CancellationTokenSource(remaining < AttemptTimeout ? (remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero) : AttemptTimeout);
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            return (response.StatusCode, text, response.Headers, null);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
        {
            Count($"{method} timed out");
            return (default, "", null, new TimeoutException($"{method} {request.RequestUri} did not answer in time", ex));
        }
        catch (HttpRequestException ex)
        {
            // Refused while the silo is down, reset when it was killed mid-request: the outcome is unknown.
            Count($"{method} {(ex.HttpRequestError != HttpRequestError.Unknown ? ex.HttpRequestError.ToString() : ex.InnerException?.GetType().Name ?? "failed")}");
            return (default, "", null, ex);
        }
    }

    /// <summary>A 200's body as the checker's response; a body that is not an outcome is an error (retried, counted).</summary>
    private (Response? Answer, Exception? Error) Outcome(string text, OperationRecord record, Submission submission, bool replayed)
    {
        TransactionResult? result;
        try
        {
            result = JsonSerializer.Deserialize<TransactionResult>(text, JsonSerializerOptions.Web);
        }
        catch (JsonException ex)
        {
            Count("200 unreadable");
            return (null, new HttpRequestException($"a 200 whose body is not an outcome: {Excerpt(text)}", ex));
        }

        if (result is null || result.OperationId != record.Id)
        {
            Count("200 for another id");
            return (null, new HttpRequestException($"a 200 for another operation id than {record.Id}: {Excerpt(text)}"));
        }

        // Any other word than committed or aborted keeps its meaning for the checker: an in-progress answer to a
        // POST's 200 is a definite-looking answer that is not one, which the checker flags.
        var status = result.Status switch
        {
            "committed" => TransactionStatus.Committed,
            "aborted" => TransactionStatus.Aborted,
            "in-progress" => TransactionStatus.InProgress,
            _ => TransactionStatus.Unknown,
        };
        return (new Response(submission, status, result.Reason?.Code, result.DecidedAt, replayed, null, result.Reason?.Message) { ViaHttp = true }, null);
    }

    /// <summary>No definite answer by the deadline: what <see cref="OrleansTwoPc.Client.TransactionClient"/> throws then.</summary>
    private static Response Unknown(OperationRecord record, Submission submission, Exception? lastError) =>
        Response.From(submission, new OutcomeUnknownException(record.Id, lastError)) with { ViaHttp = true };

    private static Response Refused(Submission submission, Exception refusal) => Response.From(submission, refusal) with { ViaHttp = true };

    /// <summary>The Problem Details fields the mapping needs (all null when the body is not one).</summary>
    private static (string? Type, string? Detail, string? Field, string? Rule) Problem(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || !text.TrimStart().StartsWith('{'))
        {
            return default;
        }

        try
        {
            using var json = JsonDocument.Parse(text);
            string? Read(string name) => json.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            var type = Read("type");
            return (type is not null && type.StartsWith(ProblemTypePrefix, StringComparison.Ordinal) ? type[ProblemTypePrefix.Length..] : null,
                Read("detail"), Read("field"), Read("rule"));
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static string Describe(string method, HttpStatusCode status, (string? Type, string? Detail, string?, string?) problem, string text) =>
        string.Create(CultureInfo.InvariantCulture, $"{method} answered {(int)status}{(problem.Type is null ? "" : " " + problem.Type)}: {problem.Detail ?? Excerpt(text)}");

    private static string Excerpt(string text) => text.Length <= 300 ? text : text[..300] + "...";

    private void Count(string kind) => _answers.AddOrUpdate(kind, 1, (_, n) => n + 1);
}
