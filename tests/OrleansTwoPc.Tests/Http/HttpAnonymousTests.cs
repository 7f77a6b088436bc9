using System.Net;
using OrleansTwoPc.Http;
using OrleansTwoPc.Silo;

namespace OrleansTwoPc.Tests.Http;

/// <summary>The default: no keys, the API on loopback only, transaction endpoints open, admin endpoints closed.</summary>
public sealed class HttpAnonymousTests(AnonymousHttpApiFixture api) : IClassFixture<AnonymousHttpApiFixture>
{
    [Fact]
    public async Task On_loopback_without_keys_a_transaction_needs_no_key_and_admin_endpoints_say_what_is_missing()
    {
        using var client = api.Client();
        var key = Api.Key("anon");

        using var committed = await client.PostAsync(key, Api.Body(("ledger", $"{key}-a", "credit", 5)));
        using var admin = await client.GetAsync("admin/in-doubt");

        Assert.Equal(HttpStatusCode.OK, committed.StatusCode);
        Assert.Equal(5, await api.BalanceAsync($"{key}-a"));
        var problem = await admin.ProblemAsync(401, "unauthenticated");
        Assert.Contains("none can authenticate: configure API keys (TwoPc:Http:ApiKeys)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--TwoPc:Http:ListenAddress=0.0.0.0", "http://0.0.0.0:")]
    [InlineData("--TwoPc:Http:ListenAddress=::", "http://[::]:")]
    [InlineData("--Kestrel:Endpoints:Public:Url=http://*:18080", "http://*:18080")]
    [InlineData("--Kestrel:Endpoints:Public:Url=https://example.com:18443", "https://example.com:18443")]
    public void Off_loopback_without_keys_the_silo_refuses_to_start_saying_why(string setting, string url)
    {
        var refused = Assert.Throws<SiloStartRefusedException>(() => SiloHost.Build(["--TwoPc:Storage:Provider=Memory", setting]));

        Assert.Contains($"the HTTP API would listen on {url}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("not a loopback address, and no caller can authenticate", refused.Message, StringComparison.Ordinal);
        Assert.Contains("TwoPc:Http:ApiKeys", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Off_loopback_with_keys_the_silo_builds()
    {
        using var host = SiloHost.Build(["--TwoPc:Storage:Provider=Memory", "--TwoPc:Http:ListenAddress=0.0.0.0",
            "--TwoPc:Http:ApiKeys:0:Name=shop", $"--TwoPc:Http:ApiKeys:0:Key={HttpApiFixture.ClerkKey}"]);

        Assert.NotNull(host);
    }

    [Theory]
    [InlineData("http://localhost:8080", true)]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("https://[::1]:8443/", true)]
    [InlineData("http://127.8.9.10:1", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://10.0.0.5:8080", false)]
    [InlineData("http://localhost.example.com:8080", false)]
    public void Loopback_means_localhost_or_a_loopback_address(string url, bool loopback) =>
        Assert.Equal(loopback, TwoPcHttpOptions.IsLoopback(url));

    [Theory]
    [InlineData("--TwoPc:Http:ApiKeys:0:Name=shop", "--TwoPc:Http:ApiKeys:0:Key=short", "must be at least 16 characters")]
    [InlineData("--TwoPc:Http:Wait=00:00:00", "--TwoPc:Http:Port=8080", "TwoPc:Http:Wait")]
    [InlineData("--TwoPc:Http:Jwt:SigningKey=AAAA", "--TwoPc:Http:Jwt:Audience=a", "SigningKey must be base64 of at least 32 bytes")]
    [InlineData("--TwoPc:Http:Jwt:Authority=https://login.example.com", "--TwoPc:Http:Port=8080", "Audience is required")]
    public void Bad_options_are_refused_naming_them(string first, string second, string message)
    {
        var refused = Assert.ThrowsAny<ArgumentException>(() => SiloHost.Build(["--TwoPc:Storage:Provider=Memory", first, second]));

        Assert.Contains(message, refused.Message, StringComparison.Ordinal);
    }
}
