using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Configuration;
using OrleansTwoPc.Client;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Storage.PostgreSql;

namespace OrleansTwoPc.Tests.Postgres;

/// <summary>
/// An application that already runs Orleans on PostgreSQL (its own ADO.NET clustering and grain storage tables) adds
/// OrleansTwoPc to its silo: OrleansTwoPc keeps to its own schema, and no table of the application's is created,
/// altered or written to, its query rows included.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ApplicationSiloTests
{
    [PostgresFact]
    public async Task Adding_OrleansTwoPc_to_an_application_silo_leaves_the_applications_tables_untouched()
    {
        await using var app = await ScratchSchema.CreateAsync();
        await using var twoPc = await ScratchSchema.CreateAsync();
        // The application's Orleans tables, created first (its clustering and its grain storage).
        await new PostgresSchema(app.ConnectionString, NullLogger<PostgresSchema>.Instance).EnsureCreatedAsync(CancellationToken.None);
        // The application's own query texts differ from OrleansTwoPc's, so a rewrite of them would show.
        await CountAsync(app, "WITH changed AS (UPDATE OrleansQuery SET QueryText = QueryText || ' -- the application''s' RETURNING 1) SELECT count(*) FROM changed;");
        var before = await SnapshotAsync(app);

        var host = Host.CreateApplicationBuilder();
        host.Logging.SetMinimumLevel(LogLevel.Warning);
        host.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("app-cluster", "app-service"));
            silo.ConfigureEndpoints(IPAddress.Loopback, FreePort(), FreePort());
            silo.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = ("Npgsql", app.ConnectionString));
            silo.AddAdoNetGrainStorage("Default", o => (o.Invariant, o.ConnectionString) = ("Npgsql", app.ConnectionString));
            silo.AddTwoPc().AddLedger().AddTwoPcPostgresStorage(o =>
            {
                o.ConnectionString = PostgresEnvironment.RequireConnectionString();
                o.Schema = twoPc.Name;
                o.InstallSchema = true;
            });
        });
        host.Services.AddTwoPcClient();
        using var built = host.Build();
        await built.StartAsync();
        try
        {
            var client = built.Services.GetRequiredService<ITransactionClient>();
            var fund = await client.ExecuteAsync("fund", TransactionRequest.Deposit("alice", 100).Dated());
            var move = await client.ExecuteAsync("move", TransactionRequest.Transfer("alice", "bob", 30).Dated());
            Assert.Equal(TransactionStatus.Committed, fund.Status);
            Assert.Equal(TransactionStatus.Committed, move.Status);
        }
        finally
        {
            await built.StopAsync();
        }

        var after = await SnapshotAsync(app);
        Assert.Equal(before.Tables, after.Tables);
        Assert.Equal(before.Queries, after.Queries);
        Assert.Equal(0L, after.StorageRows); // the application stored nothing, and OrleansTwoPc stored nothing here
        Assert.True(await CountAsync(twoPc, "SELECT count(*) FROM OrleansStorage;") >= 4, "OrleansTwoPc's rows live in its own schema");
    }

    private sealed record Snapshot(IReadOnlyList<string> Tables, IReadOnlyList<string> Queries, long StorageRows);

    // Every table with its columns' definitions, every query row, and the grain storage rows of the schema.
    private static async Task<Snapshot> SnapshotAsync(ScratchSchema schema)
    {
        var tables = await ListAsync(schema,
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') " +
            $"FROM information_schema.columns WHERE table_schema = '{schema.Name}' ORDER BY 1;");
        var queries = await ListAsync(schema, "SELECT QueryKey || ':' || md5(QueryText) FROM OrleansQuery ORDER BY 1;");
        return new Snapshot(tables, queries, await CountAsync(schema, "SELECT count(*) FROM OrleansStorage;"));
    }

    private static async Task<IReadOnlyList<string>> ListAsync(ScratchSchema schema, string sql)
    {
        await using var connection = await schema.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private static async Task<long> CountAsync(ScratchSchema schema, string sql)
    {
        await using var connection = await schema.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
