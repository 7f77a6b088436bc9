using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansTwoPc.Client;
using OrleansTwoPc.Faults;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Tests.Cli;

namespace OrleansTwoPc.Tests.Http;

/// <summary>
/// The shipped silo host (<see cref="SiloHost"/>) with its HTTP API on a free loopback port of a real Kestrel, memory
/// storage, a 3 s server wait (short, so the 202 path is quick to reach, and warmed up so a first call is not taken for a slow one) and a transaction stall on demand
/// (<see cref="Stalls"/>). Subclasses decide who may call: <see cref="KeyedHttpApiFixture"/> configures API keys,
/// <see cref="AnonymousHttpApiFixture"/> none (loopback only, the default).
/// </summary>
public abstract class HttpApiFixture : IAsyncLifetime
{
    public const string AdminKey = "admin-key-0123456789abcdef";
    public const string ClerkKey = "clerk-key-0123456789abcdef";

    private IHost? _host;

    internal StallPoints Stalls { get; } = new();

    public int HttpPort { get; } = CliClusterFixture.FreePort();

    public Uri BaseAddress => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{HttpPort}/"));

    public IHost Host => _host ?? throw new InvalidOperationException("not started");

    public TransactionClient Transactions => new(Host.Services.GetRequiredService<IClusterClient>());

    protected virtual IEnumerable<string> Settings() => [];

    public async Task InitializeAsync()
    {
        string[] args =
        [
            "--TwoPc:Storage:Provider=Memory",
            $"--TwoPc:Cluster:SiloPort={CliClusterFixture.FreePort()}", $"--TwoPc:Cluster:GatewayPort={CliClusterFixture.FreePort()}",
            $"--TwoPc:Http:Port={HttpPort}", "--TwoPc:Http:Wait=00:00:03", "--TwoPc:Http:MaxRequestBodyBytes=4096",
            "--TwoPc:PrepareTimeout=00:00:03",
            "--Logging:LogLevel:Default=Warning",
            .. Settings(),
        ];
        _host = SiloHost.Build(args, builder =>
        {
            builder.Services.AddSingleton<IFaultInjector>(Stalls);
            // An operator abort of a stalled transaction: let the stalled driver go on once the abort has been noted.
            builder.Services.AddSingleton<IIncomingGrainCallFilter>(new ReleaseOnAbort(Stalls));
        });
        await _host.StartAsync();
        await Transactions.ExecuteAsync(OperationIds.New("warm-up"), TransactionRequest.Transfer("warm-up-a", "warm-up-b", 1));
    }

    public async Task DisposeAsync()
    {
        Stalls.ReleaseAll();
        if (_host is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _host.StopAsync(stop.Token);
            _host.Dispose();
        }
    }

    /// <summary>An HttpClient to the API, sending <paramref name="apiKey"/> as a bearer token when given.</summary>
    public HttpClient Client(string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    public async Task<long> BalanceAsync(string account) => await Transactions.Grains.GetBalanceAsync(account);
}

/// <summary>API keys configured: an admin and a clerk (no roles). Every endpoint needs one of them.</summary>
public sealed class KeyedHttpApiFixture : HttpApiFixture
{
    protected override IEnumerable<string> Settings() =>
    [
        "--TwoPc:Http:ApiKeys:0:Name=ops", $"--TwoPc:Http:ApiKeys:0:Key={AdminKey}", "--TwoPc:Http:ApiKeys:0:Roles:0=admin",
        "--TwoPc:Http:ApiKeys:1:Name=shop", $"--TwoPc:Http:ApiKeys:1:Key={ClerkKey}",
    ];
}

/// <summary>
/// No keys: the default, anonymous transaction endpoints on loopback. Readiness fails for a transaction unfinished
/// after 1 s (the health tests hold one).
/// </summary>
public sealed class AnonymousHttpApiFixture : HttpApiFixture
{
    protected override IEnumerable<string> Settings() => ["--TwoPc:Http:MaxInDoubtAge=00:00:01"];
}

/// <summary>Requests and answers of the API, as a caller in any language writes them.</summary>
internal static class Api
{
    public static string Body(params (string Kind, string Key, string Action, long Amount)[] operations) =>
        JsonSerializer.Serialize(new
        {
            operations = operations.Select(o => new { kind = o.Kind, key = o.Key, action = o.Action, amount = o.Amount }),
            createdAt = DateTimeOffset.UtcNow,
        });

    public static string Transfer(string from, string to, long amount) =>
        Body(("ledger", from, "debit", amount), ("ledger", to, "credit", amount));

    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, string? key, string body, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "transactions") { Content = new StringContent(body, Encoding.UTF8, contentType) };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        return client.SendAsync(request);
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    /// <summary>Asserts a Problem Details answer with the status and type, and returns it.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, int status, string type)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal("urn:orleanstwopc:problem:" + type, problem.GetProperty("type").GetString());
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    public static string Key(string prefix) => OperationIds.New(prefix);
}
