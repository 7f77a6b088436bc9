using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansTwoPc.Storage.PostgreSql;

namespace OrleansTwoPc.Silo;

/// <summary>
/// Membership for the silo host: localhost clustering (one machine, no database) unless grain state lives in
/// PostgreSQL, in which case membership lives there too (Orleans' ADO.NET clustering), so silos on any number of
/// hosts find each other. The PostgreSQL schema, membership tables included, is installed by
/// <see cref="HostedTwoPc.AddTwoPcAsHosted"/> at the first silo lifecycle stage, before membership initialises.
/// </summary>
internal static partial class SiloClustering
{
    public static ISiloBuilder UseTwoPcClustering(this ISiloBuilder silo, SiloHostOptions cluster,
        TwoPcStorageOptions storage, MembershipTimingOptions membership)
    {
        cluster.Validate();
        membership.Validate();
        storage.Validate();
        string where;
        if (storage.Provider == StorageProvider.Postgres)
        {
            var postgres = storage.Postgres();
            var connectionString = postgres.ServiceConnectionString();
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            silo.Configure<EndpointOptions>(o =>
            {
                o.AdvertisedIPAddress = cluster.AdvertisedIp;
                o.SiloPort = cluster.SiloPort;
                o.GatewayPort = cluster.GatewayPort;
                o.SiloListeningEndpoint = new IPEndPoint(cluster.ListenIp, cluster.SiloPort);
                o.GatewayListeningEndpoint = new IPEndPoint(cluster.ListenIp, cluster.GatewayPort);
            });
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = PostgresSchema.Invariant;
                o.ConnectionString = connectionString;
            });
            where = $"PostgreSQL ({postgres.Description()})";
        }
        else
        {
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
            where = "localhost (this machine only)";
        }

        silo.Configure<ClusterMembershipOptions>(membership.ApplyTo);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
            new StartupLog(sp.GetRequiredService<ILogger<StartupLog>>(), sp.GetRequiredService<IOptions<EndpointOptions>>().Value,
                cluster, membership, where));
        return silo;
    }

    /// <summary>
    /// The addresses the silo and gateway ports listen on, as Orleans resolves them: the listening endpoint when set,
    /// else the advertised address (localhost clustering advertises the loopback, so it listens there only).
    /// </summary>
    public static (IPEndPoint Silo, IPEndPoint Gateway) ListeningEndpoints(EndpointOptions endpoints) =>
        (endpoints.SiloListeningEndpoint ?? new IPEndPoint(endpoints.AdvertisedIPAddress, endpoints.SiloPort),
         endpoints.GatewayListeningEndpoint ?? new IPEndPoint(endpoints.AdvertisedIPAddress, endpoints.GatewayPort));

    /// <summary>Logs, once the silo is active, where it listens and where membership lives (never the password).</summary>
    private sealed partial class StartupLog(ILogger<StartupLog> logger, EndpointOptions endpoints, SiloHostOptions cluster,
        MembershipTimingOptions membership, string membershipWhere) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(StartupLog), ServiceLifecycleStage.Active, _ =>
            {
                var (silo, gateway) = ListeningEndpoints(endpoints);
                LogActive(logger, cluster.ClusterId, silo, gateway, endpoints.AdvertisedIPAddress,
                    membershipWhere, membership.ProbeTimeout, membership.NumMissedProbesLimit);
                return Task.CompletedTask;
            });

        [LoggerMessage(EventId = 140, Level = LogLevel.Information,
            Message = "Silo active in cluster {ClusterId}: silo port listening on {SiloEndpoint}, gateway on {GatewayEndpoint}, " +
                      "advertised {Address}; membership {Membership}; probe timeout {ProbeTimeout}, {MissedProbes} missed probes")]
        private static partial void LogActive(ILogger logger, string clusterId, IPEndPoint siloEndpoint, IPEndPoint gatewayEndpoint,
            IPAddress address, string membership, TimeSpan probeTimeout, int missedProbes);
    }
}
