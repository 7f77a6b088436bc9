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
var membership = builder.Configuration.GetSection(MembershipTimingOptions.Section).Get<MembershipTimingOptions>() ?? new MembershipTimingOptions();
// TwoPc:Storage:Provider picks grain storage AND membership: Sqlite/Memory use localhost clustering (one machine),
// Postgres keeps membership in the same database (ADO.NET clustering).
var storage = TwoPcStorageOptions.Load(builder.Configuration);

builder.UseOrleans(silo => silo
    .UseTwoPcClustering(cluster, storage, membership)
    .AddTwoPc(builder.Configuration));

await builder.Build().RunAsync();
