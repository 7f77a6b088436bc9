using OrleansTwoPc.Storage.Sqlite;
using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Orleans.Runtime;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Http.Health;
using OrleansTwoPc.Storage;

namespace OrleansTwoPc.Silo;

/// <summary>The silo's readiness checks, beside the HTTP API's own: the silo is active in its cluster, its storage answers.</summary>
internal static class SiloHealthChecks
{
    public static void Add(IServiceCollection services) => services.AddHealthChecks()
        .AddCheck<SiloActiveCheck>("silo", tags: [TwoPcHealth.ReadyTag])
        .AddCheck<StorageReachableCheck>("storage", tags: [TwoPcHealth.ReadyTag], timeout: TimeSpan.FromSeconds(5));

    /// <summary>Healthy once the silo is active in the cluster's membership; unhealthy while it joins, stops, or was declared dead.</summary>
    private sealed class SiloActiveCheck(ISiloStatusOracle membership) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var status = membership.CurrentStatus;
            var data = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["silo"] = membership.SiloAddress.ToString(),
                ["status"] = status.ToString(),
                ["activeSilos"] = membership.GetApproximateSiloStatuses(onlyActive: true).Count,
            };
            return Task.FromResult(status == SiloStatus.Active
                ? HealthCheckResult.Healthy($"silo {membership.SiloAddress} is active in the cluster", data)
                : HealthCheckResult.Unhealthy($"silo {membership.SiloAddress} is {status}, not active", data: data));
        }
    }

    /// <summary>Opens a connection to the grain-state database and runs <c>SELECT 1</c> (memory storage is always reachable).</summary>
    private sealed class StorageReachableCheck(TwoPcStorageOptions storage) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var (connection, where) = storage.Provider switch
            {
                StorageProvider.Sqlite => ((DbConnection)new DurableSqliteDataSource(
                    SqliteSchema.ConnectionString(storage.SqlitePath, storage.SqliteBusyTimeout)).CreateConnection(), $"SQLite {storage.SqlitePath}"),
                StorageProvider.Postgres => (new NpgsqlConnection(storage.Postgres().ServiceConnectionString()), $"PostgreSQL {storage.Postgres().Description()}"),
                _ => ((DbConnection?)null, "memory"),
            };
            if (connection is null)
            {
                return HealthCheckResult.Healthy("memory storage");
            }

            try
            {
                await using (connection)
                {
                    await connection.OpenAsync(cancellationToken);
                    await using var command = connection.CreateCommand();
                    command.CommandText = "SELECT 1";
                    await command.ExecuteScalarAsync(cancellationToken);
                }

                return HealthCheckResult.Healthy($"{where} answers");
            }
            catch (Exception ex) when (ex is DbException or TimeoutException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy($"{where} does not answer: {ex.Message}", ex);
            }
        }
    }
}
