using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Hosting;
using Orleans.Dashboard;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Http;

namespace OrleansTwoPc.Silo;

/// <summary>
/// Builds the silo process: configuration, clustering, the transaction service, the HTTP API, and the optional
/// features (TLS, telemetry export, dashboard). An ASP.NET Core host while the HTTP API or the dashboard is on (the API
/// is, by default, on localhost:8080); a plain generic host, with no HTTP port at all, when both are off.
/// </summary>
public static class SiloHost
{
    /// <summary>
    /// Configuration: appsettings.json beside the executable, then ORLEANSTWOPC_-prefixed environment variables, then
    /// the command line (e.g. <c>--TwoPc:Cluster:GatewayPort=30001</c>).
    /// </summary>
    /// <exception cref="SiloStartRefusedException">Another process listens on the silo's ports or has its SQLite data
    /// directory, or the HTTP API would listen off loopback with nobody able to authenticate.</exception>
    public static IHost Build(string[] args) => Build(args, configure: null);

    /// <inheritdoc cref="Build(string[])"/>
    /// <param name="configure">Runs last, before the host is built (tests add listeners and exporters with it).</param>
    internal static IHost Build(string[] args, Action<IHostApplicationBuilder>? configure)
    {
        // appsettings.json is read from beside the executable, so `dotnet run --project Silo` finds it from any folder.
        var generic = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        AddSources(generic.Configuration, args);
        var dashboard = generic.Configuration.GetSection(DashboardHostOptions.Section).Get<DashboardHostOptions>() ?? new DashboardHostOptions();
        dashboard.Validate();
        var httpEnabled = generic.Configuration.GetSection(TwoPcHttpOptions.Section).Get<TwoPcHttpOptions>()?.Enabled ?? true;
        if (!dashboard.Enabled && !httpEnabled)
        {
            Configure(generic, dashboard: null);
            configure?.Invoke(generic);
            return SiloStartChecks.Guard(generic.Build());
        }

        // Same configuration sources (ASP.NET Core's builder adds ASPNETCORE_ variables besides DOTNET_ ones).
        ((IDisposable)generic.Configuration).Dispose();
        var web = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        AddSources(web.Configuration, args);
        var http = httpEnabled ? SiloHttpApi.Add(web) : null;
        Configure(web, dashboard.Enabled ? dashboard : null);
        if (dashboard.Enabled)
        {
            if (http?.Port == dashboard.Port)
            {
                throw new ArgumentException($"{DashboardHostOptions.Section}:Port {dashboard.Port} is also the HTTP API's port ({TwoPcHttpOptions.Section}:Port)");
            }

            // Loopback only (127.0.0.1 and ::1), whatever ASPNETCORE_URLS or --urls say.
            web.WebHost.ConfigureKestrel(kestrel => kestrel.ListenLocalhost(dashboard.Port));
        }

        configure?.Invoke(web);
        var app = web.Build();
        if (dashboard.Enabled)
        {
            // Its pages have no authentication: served on its own loopback port only, never on the API's.
            app.MapOrleansDashboard().RequireHost($"*:{dashboard.Port}");
        }

        if (http is not null)
        {
            app.MapTwoPc();
        }

        return SiloStartChecks.Guard(app);
    }

    private static void AddSources(ConfigurationManager configuration, string[] args) =>
        configuration.AddEnvironmentVariables("ORLEANSTWOPC_").AddCommandLine(args);

    private static void Configure(IHostApplicationBuilder builder, DashboardHostOptions? dashboard)
    {
        var configuration = builder.Configuration;
        var cluster = configuration.GetSection(SiloHostOptions.Section).Get<SiloHostOptions>() ?? new SiloHostOptions();
        var membership = configuration.GetSection(MembershipTimingOptions.Section).Get<MembershipTimingOptions>() ?? new MembershipTimingOptions();
        var telemetry = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        // TwoPc:Storage:Provider picks grain storage AND membership: Sqlite/Memory use localhost clustering (one machine),
        // Postgres keeps membership in the same database (ADO.NET clustering).
        var storage = TwoPcStorageOptions.Load(configuration);
        if (dashboard is not null && (dashboard.Port == cluster.SiloPort || dashboard.Port == cluster.GatewayPort))
        {
            throw new ArgumentException($"{DashboardHostOptions.Section}:Port {dashboard.Port} is also the silo's or the gateway's port");
        }

        builder.AddTwoPcTelemetry(telemetry);
        // Before Orleans' own hosted service (they start in order): a silo started while PostgreSQL is down waits for it.
        var databaseWait = configuration.GetSection(DatabaseWaitOptions.Section).Get<DatabaseWaitOptions>() ?? new DatabaseWaitOptions();
        databaseWait.Validate();
        builder.Services.AddHostedService(sp => new DatabaseWait(storage, databaseWait, TimeProvider.System,
            sp.GetRequiredService<ILogger<DatabaseWait>>()));
        builder.UseOrleans(silo =>
        {
            // One trace per transaction: grain calls carry the caller's trace context to every silo they reach.
            silo.AddActivityPropagation();
            silo.UseTwoPcClustering(cluster, storage, membership)
                .UseTwoPcTls(configuration)
                .AddTwoPcAsHosted(configuration);
            if (dashboard is not null)
            {
                silo.AddTwoPcDashboard(dashboard);
            }
        });
    }
}
