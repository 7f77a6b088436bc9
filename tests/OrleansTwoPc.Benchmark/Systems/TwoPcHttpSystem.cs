using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OrleansTwoPc.Benchmark.Cluster;
using OrleansTwoPc.Benchmark.Workloads;

namespace OrleansTwoPc.Benchmark.Systems;

/// <summary>
/// OrleansTwoPc through its HTTP API: the same transfers as <see cref="TwoPcSystem"/>, each one <c>POST /transactions</c>
/// with a fresh time-ordered operation id as its Idempotency-Key, sent by one pooled <see cref="HttpClient"/> (HTTP/1.1
/// keep-alive) to a Kestrel in each silo. Shares the <c>twopc</c> accounts, so the same conservation check covers it.
/// </summary>
public sealed class TwoPcHttpSystem : ILedgerSystem, IAsyncDisposable
{
    /// <summary>The same deadline as <see cref="TwoPcSystem"/>'s client: past it, a transaction still in progress counts as failed.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly TwoPcSystem _twoPc;
    private readonly KeySpace _keys;
    private readonly string _runTag;
    private readonly IReadOnlyList<HttpFrontEnd> _frontEnds;
    private readonly Uri[] _endpoints;
    private readonly HttpClient _http;

    private TwoPcHttpSystem(TwoPcSystem twoPc, KeySpace keys, string runTag, IReadOnlyList<HttpFrontEnd> frontEnds)
    {
        _twoPc = twoPc;
        _keys = keys;
        _runTag = runTag;
        _frontEnds = frontEnds;
        _endpoints = frontEnds.Select(f => new Uri(f.BaseAddress, "transactions")).ToArray();
        var handler = new SocketsHttpHandler
        {
            // Loopback: an HTTP_PROXY in the environment must not route the benchmark through it.
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        _http = new HttpClient(handler)
        {
            // Past the deadline with margin: the server answers 202 after its own wait (TwoPc:Http:Wait), well before.
            Timeout = Deadline + TimeSpan.FromSeconds(5),
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public string Name => "twopc-http";

    public string Ledger => _twoPc.Ledger;

    public string Description => "OrleansTwoPc through its HTTP API: POST /transactions with a fresh UUIDv7 operation id as Idempotency-Key, " +
        "one pooled HttpClient (HTTP/1.1 keep-alive) to Kestrel on 127.0.0.1 in each silo (client loops alternate between the silos), " +
        "MapTwoPc calling through the silo's grain factory as the silo host does; a 202 is retried with the same key";

    /// <summary>Starts one API per silo and checks that each answers a transaction before any cell is measured.</summary>
    public static async Task<TwoPcHttpSystem> StartAsync(BenchCluster cluster, TwoPcSystem twoPc, KeySpace keys, string runTag, BenchLog log)
    {
        var frontEnds = new List<HttpFrontEnd>();
        TwoPcHttpSystem? system = null;
        try
        {
            foreach (var silo in cluster.SiloServices)
            {
                frontEnds.Add(await HttpFrontEnd.StartAsync(silo, cluster.Settings, log));
            }

            system = new TwoPcHttpSystem(twoPc, keys, runTag, frontEnds);
            await system.CheckAnswersAsync(runTag);
            return system;
        }
        catch
        {
            if (system is not null)
            {
                await system.DisposeAsync();
            }
            else
            {
                foreach (var frontEnd in frontEnds)
                {
                    await frontEnd.DisposeAsync();
                }
            }

            throw;
        }
    }

    public async Task<OpResult> ExecuteAsync(Leg[] legs, OpContext context)
    {
        var id = OperationIds.New($"{_runTag}.{context.CellTag}.{context.Worker}");
        var body = Body(legs);
        var endpoint = _endpoints[context.Worker % _endpoints.Length];
        var started = Stopwatch.GetTimestamp();
        try
        {
            while (true)
            {
                using var response = await PostAsync(endpoint, new ByteArrayContent(body), id);
                // Still undecided after the server's wait: the API's contract is to retry with the same key, which joins it.
                if (response.StatusCode == HttpStatusCode.Accepted && Stopwatch.GetElapsedTime(started) < Deadline)
                {
                    continue;
                }

                return await ReadAsync(response, id);
            }
        }
        catch (Exception ex)
        {
            return OpResult.Failed(ex.GetType().Name, id);
        }
    }

    public Task FundAsync(long amount, int parallel) => _twoPc.FundAsync(amount, parallel);

    public Task WarmAsync() => _twoPc.WarmAsync();

    public Task<AccountReading[]> ReadDurableAsync(string[] accounts) => _twoPc.ReadDurableAsync(accounts);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        foreach (var frontEnd in _frontEnds)
        {
            await frontEnd.DisposeAsync();
        }
    }

    /// <summary><c>POST /transactions</c> of <paramref name="body"/> (JSON) under <paramref name="id"/> as Idempotency-Key.</summary>
    private async Task<HttpResponseMessage> PostAsync(Uri endpoint, HttpContent body, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = body };
        request.Content.Headers.ContentType = Json;
        request.Headers.TryAddWithoutValidation("Idempotency-Key", id);
        return await _http.SendAsync(request);
    }

    /// <summary>The outcome in the answer, checked: 200 with this key's id and a decided status, anything else failed.</summary>
    private static async Task<OpResult> ReadAsync(HttpResponseMessage response, string id)
    {
        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        var answer = json.RootElement;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            // Problem Details name their kind in "type" (urn:orleanstwopc:problem:<kind>); a 202 past the deadline has "status".
            var detail = answer.TryGetProperty("type", out var type) ? type.GetString()?.Split(':')[^1]
                : answer.TryGetProperty("status", out var status) ? status.GetString() : null;
            return OpResult.Failed($"http-{(int)response.StatusCode}{(detail is null ? "" : "-" + detail)}", id);
        }

        if (answer.GetProperty("operationId").GetString() != id)
        {
            return OpResult.Failed("wrong-operation-id", id);
        }

        return answer.GetProperty("status").GetString() switch
        {
            "committed" => OpResult.Committed(id),
            "aborted" => OpResult.Aborted(answer.TryGetProperty("reason", out var reason) ? reason.GetProperty("code").GetString() ?? "aborted" : "aborted", id),
            var other => OpResult.Failed("status-" + other, id),
        };
    }

    private byte[] Body(Leg[] legs)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + (legs.Length * 80));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("operations");
            foreach (var leg in legs)
            {
                writer.WriteStartObject();
                writer.WriteString("kind", ParticipantKinds.Ledger);
                writer.WriteString("key", _keys.Key(leg.Account));
                writer.WriteString("action", leg.Delta < 0 ? LedgerActions.Debit : LedgerActions.Credit);
                writer.WriteNumber("amount", Math.Abs(leg.Delta));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Runs the whole path once per API before measuring (Kestrel, routing, JSON, a coordinator, two participants) with
    /// transfers from empty accounts outside the benchmark's key space: each must come back aborted, and moves nothing.
    /// </summary>
    private async Task CheckAnswersAsync(string runTag)
    {
        for (var i = 0; i < _endpoints.Length; i++)
        {
            var from = $"{runTag}-http-warm-{i}";
            var id = OperationIds.New(from);
            using var response = await PostAsync(_endpoints[i], new StringContent(
                $$"""{"operations":[{"kind":"ledger","key":"{{from}}","action":"debit","amount":1},{"kind":"ledger","key":"{{from}}-to","action":"credit","amount":1}]}"""), id);
            var result = await ReadAsync(response, id);
            if (result.Status != OpStatus.Aborted)
            {
                throw new InvalidOperationException($"the HTTP API at {_frontEnds[i].BaseAddress} answered a transfer from an empty account with " +
                    $"{(int)response.StatusCode} {result.Status} {result.Reason}, not an abort");
            }
        }
    }
}
