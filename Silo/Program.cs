using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Silo;

// Configuration: appsettings.json, then ORLEANSTWOPC_-prefixed environment variables, then the command line
// (e.g. --TwoPc:Cluster:GatewayPort=30001).
// appsettings.json is read from beside the executable, so `dotnet run --project Silo` finds it from any folder.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddEnvironmentVariables("ORLEANSTWOPC_").AddCommandLine(args);
var cluster = builder.Configuration.GetSection(SiloHostOptions.Section).Get<SiloHostOptions>() ?? new SiloHostOptions();

builder.UseOrleans(silo => silo
    .UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId)
    .AddTwoPc(builder.Configuration));

await builder.Build().RunAsync();
