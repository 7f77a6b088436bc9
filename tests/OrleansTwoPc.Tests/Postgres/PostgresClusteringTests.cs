using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using OrleansTwoPc.Client;
using Xunit.Abstractions;

namespace OrleansTwoPc.Tests.Postgres;

/// <summary>
/// Membership in PostgreSQL (ADO.NET clustering) with real silo processes of the shipped executable: two silos
/// started at the same moment on an empty database form one cluster; after one is killed with SIGKILL the table
/// marks it dead within seconds and every account keeps taking transactions on the survivor.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresClusteringTests(ITestOutputHelper output)
{
    private const int Accounts = 12;
    private const int SiloActive = 3;
    private const int SiloDead = 6;

    [PostgresFact]
    public async Task Two_silo_processes_share_membership_in_postgres_and_survive_a_kill()
    {
        await using var schema = await ScratchSchema.CreateAsync();
        var clusterId = $"twopc-tests-{Guid.NewGuid():N}";
        await using var first = SiloProcess.Start(schema.ConnectionString, clusterId, clusterId);
        await using var second = SiloProcess.Start(schema.ConnectionString, clusterId, clusterId);
        await Task.WhenAll(first.WaitActiveAsync(TimeSpan.FromSeconds(90)), second.WaitActiveAsync(TimeSpan.FromSeconds(90)));
        Assert.Equal([SiloActive, SiloActive], await StatusesAsync(schema, clusterId));

        using var client = await ConnectAsync(clusterId, first, second);
        var transactions = new TransactionClient(ClusterClient(client),
            new TransactionClientOptions { Deadline = TimeSpan.FromSeconds(30) });
        var accounts = Enumerable.Range(0, Accounts).Select(i => $"acct-{i}").ToArray();
        foreach (var account in accounts)
        {
            Assert.Equal(TransactionStatus.Committed, (await transactions.ExecuteAsync($"before-{account}", TransactionRequest.Deposit(account, 5).Dated())).Status);
        }

        // Kill a silo that hosts ledger grains. Which one does depends on placement: a coordinator lives on the silo
        // the client's call entered, and Orleans places the accounts it calls near it.
        var grains = await ClusterClient(client).GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        bool HostsLedgers(SiloProcess silo) => grains.Any(g =>
            g.SiloAddress.Endpoint.Port == silo.SiloPort && g.GrainType.Contains("Ledger", StringComparison.Ordinal));
        var (victim, survivor) = HostsLedgers(second) ? (second, first) : (first, second);
        Assert.True(HostsLedgers(victim), "no silo hosts a ledger grain");

        var clock = Stopwatch.StartNew();
        victim.Kill();
        var declaredDead = await WaitForAsync(async () => (await StatusesAsync(schema, clusterId)).Contains(SiloDead), TimeSpan.FromSeconds(30));
        Assert.True(declaredDead, $"the killed silo was not marked dead in 30 s; statuses {string.Join(",", await StatusesAsync(schema, clusterId))}");
        var detection = clock.Elapsed;
        output.WriteLine($"killed silo marked dead in the membership table after {detection.TotalSeconds:0.0} s");
        Assert.True(detection < TimeSpan.FromSeconds(15), $"detection took {detection}");

        // Every account, including those whose grains lived on the killed silo, commits again (re-activated on the
        // survivor from PostgreSQL), and no deposit is lost or doubled.
        clock.Restart();
        foreach (var account in accounts)
        {
            Assert.Equal(TransactionStatus.Committed, (await transactions.ExecuteAsync($"after-{account}", TransactionRequest.Deposit(account, 5).Dated())).Status);
        }

        output.WriteLine($"{Accounts} deposits after the kill took {clock.Elapsed.TotalSeconds:0.0} s");
        var ledger = ClusterClient(client);
        foreach (var account in accounts)
        {
            Assert.Equal(10, await ledger.GetGrain<ILedgerGrain>(account).GetBalance());
        }

        Assert.False(survivor.HasExited, survivor.Output);
        Assert.Equal([SiloActive, SiloDead], (await StatusesAsync(schema, clusterId)).Order());
    }

    private static IClusterClient ClusterClient(IHost client) => client.Services.GetRequiredService<IClusterClient>();

    private static async Task<IHost> ConnectAsync(string clusterId, params SiloProcess[] silos)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .UseStaticClustering(silos.Select(s => s.Gateway).ToArray())
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, clusterId))
            .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5)));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>The membership status of every silo row of the cluster.</summary>
    private static async Task<List<int>> StatusesAsync(ScratchSchema schema, string clusterId)
    {
        await using var connection = await schema.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT Status FROM OrleansMembershipTable WHERE DeploymentId = @id ORDER BY Status;", connection);
        command.Parameters.AddWithValue("id", clusterId);
        await using var reader = await command.ExecuteReaderAsync();
        var statuses = new List<int>();
        while (await reader.ReadAsync())
        {
            statuses.Add(reader.GetInt32(0));
        }

        return statuses;
    }

    private static async Task<bool> WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }
}
