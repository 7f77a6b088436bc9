using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace OrleansTwoPc.Tests.Chaos;

/// <summary>
/// Stand-in silos for <c>HttpSubmitter</c>'s tests: each request is answered by the test's script (its number, from 1,
/// and the request), and kept with its Idempotency-Key and body so the test can look at what was sent. A script that
/// throws <see cref="HttpRequestException"/> plays a silo that refuses the connection.
/// </summary>
internal sealed class ScriptedSilos(Func<int, HttpRequestMessage, HttpResponseMessage> script) : HttpMessageHandler
{
    private readonly List<(HttpMethod Method, Uri Uri, string? Key, string? Body)> _requests = [];

    public IReadOnlyList<(HttpMethod Method, Uri Uri, string? Key, string? Body)> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, status < HttpStatusCode.BadRequest ? "application/json" : "application/problem+json") };

    /// <summary>What the silo answers while the transaction is undecided after its wait.</summary>
    public static HttpResponseMessage Accepted(string id, TimeSpan retryAfter)
    {
        var response = Json(HttpStatusCode.Accepted, $$"""{"operationId":"{{id}}","status":"in-progress"}""");
        response.Headers.Location = new Uri("/transactions/" + id, UriKind.Relative);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(retryAfter);
        return response;
    }

    public static HttpResponseMessage Refused() => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:18081)");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        int number;
        lock (_requests)
        {
            _requests.Add((request.Method, request.RequestUri!,
                request.Headers.TryGetValues("Idempotency-Key", out var keys) ? keys.Single() : null, body));
            number = _requests.Count;
        }

        return script(number, request);
    }
}
