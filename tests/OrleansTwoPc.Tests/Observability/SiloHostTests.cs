using System.Net;
using System.Net.NetworkInformation;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using OrleansTwoPc.Cli;
using OrleansTwoPc.Diagnostics;
using OrleansTwoPc.Silo;

namespace OrleansTwoPc.Tests.Observability;

/// <summary>
/// The silo host with telemetry export and the dashboard on: what it exports for a real transfer made by the CLI's
/// connection code, what the dashboard serves, and which addresses its ports listen on.
/// </summary>
public sealed class SiloHostTests(SiloHostFixture fixture) : IClassFixture<SiloHostFixture>
{
    [Fact]
    public async Task Exports_outcome_counters_phase_histograms_and_phase_spans_of_a_transfer()
    {
        var suffix = Guid.NewGuid().ToString("N");
        var transferId = "obs-t-" + suffix;
        await using (var connection = await ClusterConnection.ConnectAsync(fixture.Gateway, 10, SiloHostFixture.CliSettings(), CancellationToken.None))
        {
            var deposit = await connection.Transactions.ExecuteAsync("obs-d-" + suffix, TransactionRequest.Deposit("a-" + suffix, 100).Dated());
            var transfer = await connection.Transactions.ExecuteAsync(transferId, TransactionRequest.Transfer("a-" + suffix, "b-" + suffix, 30).Dated());
            Assert.Equal(TransactionStatus.Committed, deposit.Status);
            Assert.Equal(TransactionStatus.Committed, transfer.Status);
        }

        fixture.FlushMetrics();

        // Other tests' in-process silos use a meter of the same name, so counts are at least, never exactly, ours.
        var points = fixture.Metrics.Points;
        Assert.Contains(points, p => p.Metric == "twopc.transactions.committed" && p.Value >= 2);
        foreach (var phase in (string[])["prepare", "decide", "commit"])
        {
            Assert.Contains(points, p => p.Metric == "twopc.phase.duration" && Equals(p.Tags.GetValueOrDefault("phase"), phase) && p.Count >= 1);
        }

        var spans = fixture.Spans.Spans.Where(s => s.Tags.GetValueOrDefault("twopc.operation_id") == transferId).ToList();
        Assert.All(spans, s => Assert.Equal(TwoPcInstruments.ActivitySource.Name, s.Source));
        Assert.Contains(spans, s => s.Name == "twopc.prepare");
        Assert.Contains(spans, s => s.Name == "twopc.decide");
    }

    [Fact]
    public async Task Dashboard_serves_its_page_and_api_on_the_loopback_interface()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{fixture.DashboardPort}/"), Timeout = TimeSpan.FromSeconds(10) };

        using var page = await http.GetAsync(new Uri("/", UriKind.Relative));
        var html = await page.Content.ReadAsStringAsync();
        using var version = await http.GetAsync(new Uri("version", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<html", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, version.StatusCode);
        Assert.Contains("\"version\"", await version.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        AssertListensOnLoopbackOnly(fixture.DashboardPort);
    }

    [Fact]
    public async Task Dashboard_live_log_stream_is_off_by_default()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var trace = await http.GetAsync(new Uri($"http://127.0.0.1:{fixture.DashboardPort}/Trace"));
        Assert.Equal(HttpStatusCode.Forbidden, trace.StatusCode);
    }

    [Fact]
    public void Silo_and_gateway_ports_listen_on_the_loopback_interface_only()
    {
        AssertListensOnLoopbackOnly(fixture.SiloPort);
        AssertListensOnLoopbackOnly(fixture.GatewayPort);
    }

    [Fact]
    public void Without_configuration_the_silo_exports_nothing_and_serves_only_the_http_api_on_localhost_8080()
    {
        using var host = SiloHost.Build(["--TwoPc:Storage:Provider=Memory"]);

        Assert.Null(host.Services.GetService<MeterProvider>());
        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.NotNull(host.Services.GetService<IServer>());
        var api = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<OrleansTwoPc.Http.TwoPcHttpOptions>>().Value;
        Assert.Equal(("localhost", 8080, false), (api.ListenAddress, api.Port, api.AuthenticationConfigured));
    }

    [Fact]
    public void With_the_http_api_and_dashboard_off_the_silo_opens_no_http_port()
    {
        using var host = SiloHost.Build(["--TwoPc:Storage:Provider=Memory", "--TwoPc:Http:Enabled=false"]);

        Assert.Null(host.Services.GetService<IServer>());
    }

    [Fact]
    public async Task The_http_api_listens_on_the_loopback_interface_only()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var live = await http.GetAsync(new Uri($"http://127.0.0.1:{fixture.HttpPort}/openapi/v1.json"));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        AssertListensOnLoopbackOnly(fixture.HttpPort);
    }

    private static void AssertListensOnLoopbackOnly(int port)
    {
        var listeners = IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Where(e => e.Port == port).ToList();
        Assert.NotEmpty(listeners);
        Assert.All(listeners, e => Assert.True(IPAddress.IsLoopback(e.Address), $"port {port} listens on {e.Address}"));
    }
}
