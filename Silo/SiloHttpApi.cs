using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using System.Net;
using OrleansTwoPc.Http;

namespace OrleansTwoPc.Silo;

/// <summary>
/// The silo's HTTP API (<see cref="TwoPcHttpExtensions.MapTwoPc"/>): on <c>TwoPc:Http:ListenAddress</c> and <c>Port</c>
/// (localhost:8080), or on Kestrel's own <c>Kestrel:Endpoints</c> when that section is configured (TLS certificates
/// included, Kestrel's standard settings). Refuses to start when it would listen off loopback with nobody able to
/// authenticate.
/// </summary>
internal static class SiloHttpApi
{
    /// <exception cref="SiloStartRefusedException">A non-loopback address without API keys or JWT.</exception>
    public static TwoPcHttpOptions Add(WebApplicationBuilder web)
    {
        var options = web.Services.AddTwoPcHttp(web.Configuration);
        SiloHealthChecks.Add(web.Services);
        var endpoints = web.Configuration.GetSection("Kestrel:Endpoints").GetChildren().ToList();
        var urls = endpoints.Count > 0
            ? endpoints.Select(e => e["Url"] ?? $"(Kestrel:Endpoints:{e.Key} without a Url)").ToList()
            : [$"http://{(IPAddress.TryParse(options.ListenAddress, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : options.ListenAddress)}:{options.Port}"];
        try
        {
            options.RequireAuthenticationOffLoopback(urls);
        }
        catch (InvalidOperationException refused)
        {
            throw new SiloStartRefusedException(refused.Message, refused);
        }

        if (endpoints.Count == 0)
        {
            // Explicit listeners: ASPNETCORE_URLS and --urls do not move the API elsewhere.
            web.WebHost.ConfigureKestrel(kestrel =>
            {
                if (string.Equals(options.ListenAddress, "localhost", StringComparison.OrdinalIgnoreCase))
                {
                    kestrel.ListenLocalhost(options.Port);
                }
                else
                {
                    kestrel.Listen(IPAddress.Parse(options.ListenAddress), options.Port);
                }
            });
        }

        return options;
    }
}
