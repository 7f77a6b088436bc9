using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Configuration;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Scheduling;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Storage.PostgreSql;
using OrleansTwoPc.Storage.Sqlite;
using OrleansTwoPc.Storage;
using OrleansTwoPc.Tests.Cluster;
using OrleansTwoPc.Tests.Postgres;

namespace OrleansTwoPc.Tests.Storage;

/// <summary>
/// A grain-state write is acknowledged only once it is durable, so every database session the service opens must
/// flush its commits: SQLite with <c>synchronous=FULL</c> in WAL mode, PostgreSQL with <c>synchronous_commit=on</c>.
/// Read from the connections the service itself makes (the provider's, the batched writer's, the janitor's, the
/// silo host's membership), starting from settings that would lose commits.
/// </summary>
public sealed class SessionDurabilityTests
{
    [Fact]
    public async Task Sqlite_every_connection_the_service_opens_runs_synchronous_full_in_wal_mode()
    {
        using var folder = new TempFolder();
        await using var cluster = await TwoPcCluster.StartAsync(silos: 1, sqliteFolder: folder.Path);
        var provider = StoragePaths.ProviderOptions(cluster, 0);
        var connectionString = provider.DataSource?.ConnectionString ?? provider.ConnectionString!;
        // Another user of the same connection string leaves pooled connections at synchronous=OFF: SQLite's setting
        // is per connection, and a pooled connection keeps it.
        await LeavePooledConnectionsAtOffAsync(connectionString);

        foreach (var (who, open) in Connections(cluster, open: ProviderSqliteConnectionAsync(provider)))
        {
            await using var connection = await open();
            var settings = (Synchronous: await ScalarAsync(connection, "PRAGMA synchronous;"), Journal: await ScalarAsync(connection, "PRAGMA journal_mode;"));
            Assert.True(settings == ("2", "wal"), $"{who}: synchronous {settings.Synchronous} (2 is FULL), journal {settings.Journal}");
        }
    }

    [PostgresFact]
    public async Task Postgres_every_session_the_service_opens_runs_synchronous_commit_on_even_when_its_connection_string_turns_it_off()
    {
        await using var schema = await ScratchSchema.CreateAsync();
        await using var cluster = await TwoPcCluster.StartAsync(silos: 1,
            settings: PostgresClusterFixture.PostgresSettings(SynchronousCommitOff(schema.ConnectionString)));
        var provider = StoragePaths.ProviderOptions(cluster, 0);

        // The provider opens NpgsqlFactory connections with its connection string (Orleans' DbConnectionFactory).
        foreach (var (who, open) in Connections(cluster, open: () => OpenAsync(NpgsqlFactory.Instance.CreateConnection()!, provider.ConnectionString)))
        {
            await using var connection = await open();
            Assert.True("on" == await ScalarAsync(connection, "SHOW synchronous_commit;"), $"{who}: synchronous_commit is not on");
        }
    }

    [PostgresFact]
    public async Task Postgres_the_silo_hosts_membership_sessions_run_synchronous_commit_on_even_when_its_connection_string_turns_it_off()
    {
        using var host = SiloHost.Build(["--TwoPc:Storage:Provider=Postgres", "--TwoPc:Http:Enabled=false",
            $"--TwoPc:Storage:ConnectionString={SynchronousCommitOff(PostgresEnvironment.RequireConnectionString())}"]);
        var clustering = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AdoNetClusteringSiloOptions>>().Value;

        await using var connection = await OpenAsync(NpgsqlFactory.Instance.CreateConnection()!, clustering.ConnectionString);
        Assert.Equal("on", await ScalarAsync(connection, "SHOW synchronous_commit;"));
    }

    [PostgresFact]
    public async Task Postgres_a_session_with_synchronous_commit_off_stops_the_silo_with_a_message_naming_the_setting()
    {
        await using var schema = await ScratchSchema.CreateAsync();
        // Past the service's own setting (as a pooler that drops startup options would be): the start check still refuses.
        var installer = new PostgresSchema(SynchronousCommitOff(schema.ConnectionString), NullLogger<PostgresSchema>.Instance);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => installer.EnsureCreatedAsync(CancellationToken.None));
        Assert.Contains("synchronous_commit", refused.Message, StringComparison.Ordinal);
        Assert.Contains("'off'", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>The connections a silo's storage opens besides the provider's: the batched writer's and the janitor's.</summary>
    private static IEnumerable<(string Who, Func<Task<DbConnection>> Open)> Connections(TwoPcCluster cluster, Func<Task<DbConnection>> open)
    {
        var services = cluster.Inner.Silos[0].ServiceProvider;
        var batcher = services.GetRequiredKeyedService<WriteBatcher.Lease>(AdoNetBackend.ProviderName).Batcher;
        var janitor = services.GetRequiredService<ExpiredRecordJanitor>();
        yield return ("provider", open);
        yield return ("batched writer", () => OpenAsync(batcher.NewConnection(), null));
        yield return ("janitor", () => OpenAsync(janitor.NewConnection(), null));
    }

    // As Orleans' RelationalStorage opens one: from the configured data source, else a factory connection.
    private static Func<Task<DbConnection>> ProviderSqliteConnectionAsync(AdoNetGrainStorageOptions provider) => async () =>
        provider.DataSource is { } source
            ? await source.OpenConnectionAsync()
            : await OpenAsync(SqliteFactory.Instance.CreateConnection(), provider.ConnectionString);

    private static async Task<DbConnection> OpenAsync(DbConnection connection, string? connectionString)
    {
        if (connectionString is not null)
        {
            connection.ConnectionString = connectionString;
        }

        await connection.OpenAsync();
        return connection;
    }

    private static async Task LeavePooledConnectionsAtOffAsync(string connectionString)
    {
        var connections = new List<SqliteConnection>();
        for (var i = 0; i < 4; i++)
        {
            var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync();
            await ScalarAsync(connection, "PRAGMA synchronous = OFF;");
            connections.Add(connection);
        }

        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }

    private static string SynchronousCommitOff(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Options = "-c synchronous_commit=off" }.ConnectionString;

    private static async Task<string?> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
