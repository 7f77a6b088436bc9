using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using OrleansTwoPc.Cli;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Client;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Scheduling;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Storage.PostgreSql;
using OrleansTwoPc.Storage.Sqlite;

using OrleansTwoPc.Tests.Cluster;

namespace OrleansTwoPc.Tests.Security;

/// <summary>
/// Two TLS silos in this process, listening on TCP like real ones: the first is the shipped silo host
/// (<see cref="SiloHost"/>, configured by <c>TwoPc:Tls</c> keys as <c>dotnet run --project Silo</c> is), the second
/// joins it with the same <see cref="SiloTls.UseTwoPcTls"/>. Clients reach them with the CLI's own connection code
/// (<see cref="ClusterConnection"/>), configured through the same keys. (The Orleans test cluster is no use here: its
/// silos talk over an in-memory transport and open no TCP port.)
/// </summary>
public sealed class TlsClusterFixture : IAsyncLifetime
{
    public const string ClusterId = "twopc-tls";

    private readonly List<IHost> _silos = [];

    public TestCertificates Certificates { get; } = new();

    /// <summary>Whether the silos require client certificates (<c>TwoPc:Tls:RequireClientCertificate</c>).</summary>
    public bool RequireClientCertificate { get; init; } = true;

    public int Silos { get; init; } = 2;

    public IPEndPoint GatewayEndpoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>The first silo's gateway, as the CLI's <c>--gateway</c> takes it.</summary>
    public string Gateway => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{GatewayEndpoint.Port}");

    /// <summary>The CLI's configuration: this cluster's ids plus <paramref name="tls"/>.</summary>
    public static Dictionary<string, string?> CliSettings(Dictionary<string, string?> tls)
    {
        tls["TwoPc:Cluster:ClusterId"] = ClusterId;
        tls["TwoPc:Cluster:ServiceId"] = ClusterId;
        return tls;
    }

    public async Task InitializeAsync()
    {
        var settings = TestCertificates.Settings(Certificates.ClusterPfx, Certificates.ClusterPem, RequireClientCertificate);
        settings["TwoPc:Storage:Provider"] = "Memory";
        settings["TwoPc:PrepareTimeout"] = "00:00:03";
        settings["TwoPc:Cluster:ClusterId"] = ClusterId;
        settings["TwoPc:Cluster:ServiceId"] = ClusterId;
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["TwoPc:Http:Enabled"] = "false";
        var (primarySiloPort, primaryGatewayPort) = (FreePort(), FreePort());
        settings["TwoPc:Cluster:SiloPort"] = primarySiloPort.ToString(CultureInfo.InvariantCulture);
        settings["TwoPc:Cluster:GatewayPort"] = primaryGatewayPort.ToString(CultureInfo.InvariantCulture);
        var primary = SiloHost.Build([.. settings.Select(s => $"--{s.Key}={s.Value}")]);
        _silos.Add(primary);
        await primary.StartAsync();
        GatewayEndpoint = new IPEndPoint(IPAddress.Loopback, primaryGatewayPort);

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        for (var i = 1; i < Silos; i++)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.UseOrleans(silo => silo
                .UseLocalhostClustering(FreePort(), FreePort(), new IPEndPoint(IPAddress.Loopback, primarySiloPort), ClusterId, ClusterId)
                .UseTwoPcTls(configuration)
                .AddTwoPcAsHosted(configuration));
            var host = builder.Build();
            _silos.Add(host);
            await host.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in Enumerable.Reverse(_silos))
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await silo.StopAsync(stop.Token);
            silo.Dispose();
        }

        Certificates.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed class TlsTests(TlsClusterFixture fixture) : IClassFixture<TlsClusterFixture>
{
    /// <summary>The CLI's connect timeout in the refusal tests: a refused client must fail by then, not after 30 s.</summary>
    private const double RefusalTimeoutSeconds = 2;

    /// <summary>Bound on a refused connection attempt: the timeout plus the host's start and stop.</summary>
    private static readonly TimeSpan RefusalBound = TimeSpan.FromSeconds(8);

    private TestCertificates Certificates => fixture.Certificates;

    [Fact]
    public async Task Silos_form_a_cluster_over_tls()
    {
        // Both silos active means the second joined through the first and their probes went over TLS both ways.
        var settings = TlsClusterFixture.CliSettings(TestCertificates.Settings(Certificates.ClusterPfx, Certificates.ClusterPem));
        await using var connection = await ClusterConnection.ConnectAsync(fixture.Gateway, 10, settings, CancellationToken.None);
        var management = connection.Client.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
    }

    [Fact]
    public async Task Cli_with_the_cluster_certificate_commits_a_transfer()
    {
        var settings = TlsClusterFixture.CliSettings(TestCertificates.Settings(Certificates.ClusterPfx, Certificates.ClusterPem));
        await using var connection = await ClusterConnection.ConnectAsync(fixture.Gateway, 10, settings, CancellationToken.None);
        var suffix = Guid.NewGuid().ToString("N");
        var deposit = await connection.Transactions.ExecuteAsync("tls-d-" + suffix, TransactionRequest.Deposit("alice-" + suffix, 100).Dated());
        var transfer = await connection.Transactions.ExecuteAsync("tls-t-" + suffix, TransactionRequest.Transfer("alice-" + suffix, "bob-" + suffix, 30).Dated());

        Assert.Equal(TransactionStatus.Committed, deposit.Status);
        Assert.Equal(TransactionStatus.Committed, transfer.Status);
        await connection.Transactions.WaitCompletedAsync("tls-t-" + suffix); // answered before phase 2 reached both accounts
        Assert.Equal(70, await connection.Transactions.Grains.GetBalanceAsync("alice-" + suffix));
        Assert.Equal(30, await connection.Transactions.Grains.GetBalanceAsync("bob-" + suffix));
    }

    [Fact]
    public async Task Cli_without_tls_is_refused_within_the_connect_timeout()
    {
        var error = await RefusedAsync(TlsClusterFixture.CliSettings([]));
        Assert.Contains("TwoPc:Tls:Enabled", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Orleans_client_without_tls_is_refused_at_its_first_attempt()
    {
        // No retries: the gateway must drop a plain-text client at once, not leave it waiting for a timeout.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .UseStaticClustering(fixture.GatewayEndpoint)
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (TlsClusterFixture.ClusterId, TlsClusterFixture.ClusterId))
            .UseConnectionRetryFilter((_, _) => Task.FromResult(false)));
        using var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();

        var error = await Record.ExceptionAsync(() => host.StartAsync(timeout.Token));

        Assert.NotNull(error);
        Assert.DoesNotContain("ConnectionRefused", error.ToString(), StringComparison.Ordinal);
        Assert.False(timeout.IsCancellationRequested, $"the client waited {clock.Elapsed} for its own timeout: {error}");
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Cli_without_a_client_certificate_is_refused_when_the_silos_require_one()
    {
        await RefusedAsync(TlsClusterFixture.CliSettings(TestCertificates.Settings(pfx: null, Certificates.ClusterPem)));
    }

    [Fact]
    public async Task Cli_with_an_untrusted_client_certificate_is_refused()
    {
        await RefusedAsync(TlsClusterFixture.CliSettings(TestCertificates.Settings(Certificates.StrangerPfx, Certificates.ClusterPem)));
    }

    [Fact]
    public async Task Cli_that_does_not_trust_the_silo_certificate_refuses_the_gateway()
    {
        await RefusedAsync(TlsClusterFixture.CliSettings(TestCertificates.Settings(Certificates.ClusterPfx, Certificates.StrangerPem)));
    }

    private async Task<CliException> RefusedAsync(Dictionary<string, string?> settings)
    {
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<CliException>(() =>
            ClusterConnection.ConnectAsync(fixture.Gateway, RefusalTimeoutSeconds, settings, CancellationToken.None));
        Assert.Equal("cluster-unreachable", error.Type);
        // Refused by TLS, not for want of a listener: the CLI then names the TLS settings to check.
        Assert.DoesNotContain("ConnectionRefused", error.Message, StringComparison.Ordinal);
        Assert.Contains("TwoPc:Tls", error.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, RefusalBound);
        return error;
    }
}

/// <summary>Silos that accept clients without a certificate (<c>RequireClientCertificate = false</c>).</summary>
public sealed class OptionalClientCertificateFixture : IAsyncLifetime
{
    private readonly TlsClusterFixture _inner = new() { RequireClientCertificate = false, Silos = 1 };

    public TlsClusterFixture Cluster => _inner;

    public Task InitializeAsync() => _inner.InitializeAsync();

    public Task DisposeAsync() => _inner.DisposeAsync();
}

public sealed class OptionalClientCertificateTests(OptionalClientCertificateFixture fixture) : IClassFixture<OptionalClientCertificateFixture>
{
    [Fact]
    public async Task Cli_without_a_certificate_commits_when_the_silos_do_not_require_one()
    {
        var settings = TlsClusterFixture.CliSettings(TestCertificates.Settings(pfx: null, fixture.Cluster.Certificates.ClusterPem));
        await using var connection = await ClusterConnection.ConnectAsync(fixture.Cluster.Gateway, 10, settings, CancellationToken.None);
        var id = "tls-optional-" + Guid.NewGuid().ToString("N");

        var outcome = await connection.Transactions.ExecuteAsync(id, TransactionRequest.Deposit(id, 5).Dated());

        Assert.Equal(TransactionStatus.Committed, outcome.Status);
    }

    [Fact]
    public async Task Cli_with_an_untrusted_certificate_is_still_refused()
    {
        var certificates = fixture.Cluster.Certificates;
        var settings = TlsClusterFixture.CliSettings(TestCertificates.Settings(certificates.StrangerPfx, certificates.ClusterPem));
        var error = await Assert.ThrowsAsync<CliException>(() =>
            ClusterConnection.ConnectAsync(fixture.Cluster.Gateway, 2, settings, CancellationToken.None));
        Assert.Equal("cluster-unreachable", error.Type);
    }
}
