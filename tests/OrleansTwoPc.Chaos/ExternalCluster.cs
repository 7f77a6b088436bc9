using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace OrleansTwoPc.Chaos;

/// <summary>
/// An Orleans client connected to a cluster of silo processes this program does not own (tests/cluster-chaos.sh
/// starts and kills them): static gateway clustering over every gateway, the cluster's ClusterId and ServiceId, a
/// short response timeout so retries happen within the run. The gateway list is re-read every two seconds, so a
/// gateway that died and came back (same port, new process) is used again soon.
/// </summary>
public sealed class ExternalCluster : IAsyncDisposable
{
    /// <summary>Grain calls fail after this; short, so retries (and duplicates) happen within the run.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromMilliseconds(500);

    private readonly IHost _host;

    private ExternalCluster(IHost host, IReadOnlyList<IPEndPoint> gateways)
    {
        _host = host;
        Gateways = gateways;
    }

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public IReadOnlyList<IPEndPoint> Gateways { get; }

    /// <summary>Connects, retrying while no gateway answers, until <see cref="ChaosOptions.ConnectTimeout"/>.</summary>
    public static async Task<ExternalCluster> ConnectAsync(ChaosOptions options, ILoggerProvider log)
    {
        var gateways = options.Gateways.Select(ParseGateway).ToList();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            // No appsettings.json, environment or command line: this client is configured here and only here.
            DisableDefaults = true,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddProvider(log);
        var clock = Stopwatch.StartNew();
        Exception? lastError = null;
        builder.UseOrleansClient(client => client
            .UseStaticClustering(gateways.ToArray())
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (options.ClusterId, options.ServiceId))
            .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout)
            .Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2))
            .Configure<ConnectionOptions>(o => o.ConnectionRetryDelay = ReconnectDelay / 2)
            .UseConnectionRetryFilter(async (error, token) =>
            {
                lastError = error;
                if (clock.Elapsed > options.ConnectTimeout)
                {
                    return false;
                }

                await Task.Delay(ReconnectDelay, token);
                return true;
            }));
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch (Exception ex)
        {
            await StopAsync(host);
            throw new InvalidOperationException(
                $"cannot reach the cluster at {string.Join(",", options.Gateways)} within {options.ConnectTimeout.TotalSeconds:0} s: " +
                $"{(lastError ?? ex).Message}", ex);
        }

        return new ExternalCluster(host, gateways);
    }

    /// <summary>
    /// Deactivates every idle grain activation on every silo (Orleans' management grain, an age limit of zero), so
    /// that the next call re-activates each grain from storage: what is read afterwards is what was durable.
    /// Returns how many activations of the service's grains (coordinators, participants) there were before and after.
    /// </summary>
    public async Task<(int Before, int After)> CollectActivationsAsync()
    {
        var management = Client.GetGrain<IManagementGrain>(0);
        var before = await CountServiceActivationsAsync(management);
        await management.ForceActivationCollection(TimeSpan.Zero);
        return (before, await CountServiceActivationsAsync(management));
    }

    private static async Task<int> CountServiceActivationsAsync(IManagementGrain management) =>
        (await management.GetSimpleGrainStatistics()).Where(s => IsServiceGrain(s.GrainType)).Sum(s => s.ActivationCount);

    public async ValueTask DisposeAsync() => await StopAsync(_host);

    /// <summary>A gateway as <c>host:port</c> (an IP address or a name; names are resolved once, here).</summary>
    public static IPEndPoint ParseGateway(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"gateway '{text}' is not host:port (port 1-65535)");
        }

        var host = text[..colon];
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }

        var addresses = Dns.GetHostAddresses(host);
        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new ArgumentException($"gateway host '{host}' does not resolve");
        return new IPEndPoint(chosen, port);
    }

    // Grain class names of the service: the coordinator, the participant kinds, the recovery registry.
    private static bool IsServiceGrain(string grainType) => grainType.StartsWith("OrleansTwoPc.", StringComparison.Ordinal)
        && (grainType.Contains("Coordinator", StringComparison.Ordinal) || grainType.Contains("Ledger", StringComparison.Ordinal)
            || grainType.Contains("Inventory", StringComparison.Ordinal));

    private static async Task StopAsync(IHost host)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.StopAsync(timeout.Token);
        }
        catch (Exception)
        {
            // Closing the connection of a finished run changes nothing about its verdict.
        }

        host.Dispose();
    }
}
