using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansTwoPc.Http;

namespace OrleansTwoPc.Benchmark.Cluster;

/// <summary>
/// The HTTP API (<see cref="TwoPcHttpExtensions.MapTwoPc"/>) on a real Kestrel, served the way the silo host serves it:
/// inside a silo, calling grains through that silo's own grain factory (so a coordinator is placed on the silo the
/// request entered, as from the silo host), anonymous on a free 127.0.0.1 port, HTTP/1.1.
/// </summary>
public sealed class HttpFrontEnd : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpFrontEnd(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>Where the API listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <param name="silo">The services of the silo whose grain factory the API calls with.</param>
    /// <param name="settings">The service's configuration (the <c>TwoPc</c> section AddTwoPcHttp reads).</param>
    public static async Task<HttpFrontEnd> StartAsync(IServiceProvider silo, IConfiguration settings, BenchLog log)
    {
        var web = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        // Only the benchmark's settings: neither the Silo's appsettings.json copied beside the executable nor ASPNETCORE_ variables.
        web.Configuration.Sources.Clear();
        web.Configuration.AddConfiguration(settings);
        var options = web.Services.AddTwoPcHttp(web.Configuration);
        // The silo host's rule for anonymous access; this listener is loopback, so it passes.
        options.RequireAuthenticationOffLoopback(["http://127.0.0.1"]);
        web.Services.AddSingleton(silo.GetRequiredService<IGrainFactory>());
        web.Logging.ClearProviders();
        web.Logging.SetMinimumLevel(LogLevel.Warning);
        web.Logging.AddProvider(log);
        // Port 0: the kernel picks a free port; other processes on this machine use 8080, 8081 and 18081+.
        web.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1));
        var app = web.Build();
        app.MapTwoPc();
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("Kestrel reported no address");
            return new HttpFrontEnd(app, new Uri(address.TrimEnd('/') + "/"));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _app.StopAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Connections still open after 10 s change no result.
        }

        await _app.DisposeAsync();
    }
}
