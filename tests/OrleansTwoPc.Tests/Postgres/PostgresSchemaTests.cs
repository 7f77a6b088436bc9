using System.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTwoPc.Storage;
using OrleansTwoPc.Storage.PostgreSql;

namespace OrleansTwoPc.Tests.Postgres;

/// <summary>
/// The project's PostgreSQL schema: it installs concurrently and repeatedly, and its queries keep the providers'
/// contract. Queries run with the parameter names and <see cref="DbType"/>s Orleans' ADO.NET providers use.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSchemaTests
{
    private static readonly string[] QueryKeys =
    [
        "ClearStorageKey", "CleanupDefunctSiloEntriesKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "InsertMembershipKey", "InsertMembershipVersionKey", "MembershipReadAllKey", "MembershipReadRowKey",
        "ReadFromStorageKey", "UpdateIAmAlivetimeKey", "UpdateMembershipKey", "WriteToStorageKey",
    ];

    [PostgresFact]
    public async Task Schema_applies_concurrently_on_an_empty_database_and_again_without_error()
    {
        await using var schema = await ScratchSchema.CreateAsync();

        // Four silos starting at the same moment on an empty database, then a restart.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Installer(schema).EnsureCreatedAsync(CancellationToken.None))));
        await Installer(schema).EnsureCreatedAsync(CancellationToken.None);

        await using var connection = await schema.OpenAsync();
        var keys = await ListAsync(connection, "SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey COLLATE \"C\";");
        Assert.Equal(QueryKeys.Order(StringComparer.Ordinal), keys);
        var tables = await ListAsync(connection,
            $"SELECT table_name FROM information_schema.tables WHERE table_schema = '{schema.Name}' ORDER BY table_name;");
        Assert.Equal(["orleansmembershiptable", "orleansmembershipversiontable", "orleansquery", "orleansstorage"], tables);
    }

    [PostgresFact]
    public async Task Grain_state_writes_apply_only_at_the_expected_version()
    {
        await using var schema = await ScratchSchema.CreateAsync();
        await Installer(schema).EnsureCreatedAsync(CancellationToken.None);
        await using var connection = await schema.OpenAsync();
        var storage = new StateQueries(connection, await QueriesAsync(connection));

        Assert.Equal(1, await storage.WriteAsync(expected: null, payload: [1]));
        Assert.Null(await storage.WriteAsync(expected: null, payload: [9]));   // a second "first" writer loses
        Assert.Null(await storage.WriteAsync(expected: 5, payload: [9]));      // a version that never existed
        Assert.Equal(2, await storage.WriteAsync(expected: 1, payload: [2]));
        Assert.Null(await storage.WriteAsync(expected: 1, payload: [9]));      // stale: someone wrote version 2
        var (payload, version) = await storage.ReadAsync();
        Assert.Equal([2], payload);
        Assert.Equal(2, version);

        Assert.Null(await storage.ClearAsync(expected: 1));
        Assert.Equal(3, await storage.ClearAsync(expected: 2));
        (payload, version) = await storage.ReadAsync();
        Assert.Null(payload);
        Assert.Equal(3, version);
        Assert.Equal(4, await storage.WriteAsync(expected: 3, payload: [4]));

        // Racing writers at one version, and racing first writers of a new grain: exactly one of each wins.
        var racers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            await using var own = await schema.OpenAsync();
            return await new StateQueries(own, storage.Queries).WriteAsync(expected: 4, payload: [(byte)i]);
        }));
        Assert.Equal([5], racers.Where(v => v is not null).Select(v => v!.Value));
        var firsts = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            await using var own = await schema.OpenAsync();
            return await new StateQueries(own, storage.Queries, grainKey: "other").WriteAsync(expected: null, payload: [(byte)i]);
        }));
        Assert.Equal([1], firsts.Where(v => v is not null).Select(v => v!.Value));
    }

    /// <summary>
    /// A grain's row is found through the primary key, whatever the planner's statistics say. They lag the data:
    /// autovacuum analyzes a table after a tenth of it changed, so a new service id in a shared table, or a bulk load,
    /// can go unseen for long. An index led by ServiceId and GrainTypeString then looks as selective as the key, and
    /// the planner scanned every row of the service for each read (1.3 s per read at 1,000,000 accounts: the
    /// benchmark's PostgreSQL accounts sweep ran 7 tx/s).
    /// </summary>
    [PostgresFact]
    public async Task Grain_state_queries_use_the_primary_key_while_statistics_have_not_seen_the_service()
    {
        await using var schema = await ScratchSchema.CreateAsync();
        await Installer(schema).EnsureCreatedAsync(CancellationToken.None);
        await using var connection = await schema.OpenAsync();
        await ExecuteAsync(connection, "ALTER TABLE OrleansStorage SET (autovacuum_enabled = false);");
        await ExecuteAsync(connection, Rows("older", 2_000) + "ANALYZE OrleansStorage;" + Rows("svc", 20_000));
        var queries = await QueriesAsync(connection);

        foreach (var key in new[] { "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey" })
        {
            await using var explain = Command(connection, "EXPLAIN (FORMAT JSON) " + queries[key],
            [
                ("GrainIdHash", 17, DbType.Int32), ("GrainIdN0", 0L, DbType.Int64), ("GrainIdN1", 0L, DbType.Int64),
                ("GrainTypeHash", 42, DbType.Int32), ("GrainTypeString", "ledger", DbType.String),
                ("GrainIdExtensionString", "k17", DbType.String), ("ServiceId", "svc", DbType.String),
                ("GrainStateVersion", 1, DbType.Int32), ("PayloadBinary", new byte[] { 1 }, DbType.Binary),
            ]);
            await AssertPrimaryKeyOnlyAsync(explain, key);
        }
    }

    /// <summary>
    /// The batched writers prepare their statement once per connection, and a prepared statement keeps the plan made
    /// from the statistics of that moment. Made while the table looked empty (a new database, or a retention purge
    /// followed by a vacuum), that plan was a sequential scan, and every later write scanned the whole table until
    /// autovacuum analyzed it again: 890 buffers and 4 ms per write at 7,500 rows, 200 tx/s instead of 2,000 in the
    /// benchmark. The writers' sessions (<see cref="TwoPcPostgresOptions.WriterConnectionString"/>) must keep the
    /// primary key whatever the statistics said when the plan was made.
    /// </summary>
    [PostgresFact]
    public async Task A_writer_session_keeps_the_primary_key_in_a_plan_made_while_the_table_looked_empty()
    {
        await using var schema = await ScratchSchema.CreateAsync();
        await Installer(schema).EnsureCreatedAsync(CancellationToken.None);
        await using var setup = await schema.OpenAsync();
        await ExecuteAsync(setup, "ALTER TABLE OrleansStorage SET (autovacuum_enabled = false);");
        await ExecuteAsync(setup, "VACUUM ANALYZE OrleansStorage;");
        await ExecuteAsync(setup, Rows("svc", 1));
        var write = (await QueriesAsync(setup))["WriteToStorageKey"];

        var writer = new TwoPcPostgresOptions { ConnectionString = schema.ConnectionString, Schema = schema.Name }.WriterConnectionString();
        await using var connection = new NpgsqlConnection(writer);
        await connection.OpenAsync();
        // The statement as the server prepares it: named parameters become positional ones, typed as the provider binds them.
        (string Name, string Type)[] parameters =
        [
            ("PayloadBinary", "bytea"), ("GrainIdHash", "integer"), ("GrainTypeHash", "integer"), ("ServiceId", "text"),
            ("GrainTypeString", "text"), ("GrainIdExtensionString", "text"), ("GrainIdN0", "bigint"), ("GrainIdN1", "bigint"),
            ("GrainStateVersion", "integer"),
        ];
        var positional = parameters.Select((p, i) => (p.Name, Index: i + 1))
            .Aggregate(write, (sql, p) => System.Text.RegularExpressions.Regex.Replace(sql, $@"@{p.Name}\b", $"$${p.Index}"));
        Assert.DoesNotContain("@", positional, StringComparison.Ordinal);
        await ExecuteAsync(connection, $"PREPARE write_row({string.Join(", ", parameters.Select(p => p.Type))}) AS {positional}");
        // A version no row has: each execution plans (five custom plans, then the generic one is chosen) and changes nothing.
        const string Arguments = "('\\x01', 17, 42, 'svc', 'ledger', 'k17', 0, 0, 999)";
        for (var i = 0; i < 8; i++)
        {
            await ExecuteAsync(connection, $"EXECUTE write_row{Arguments};");
        }

        await ExecuteAsync(setup, Rows("svc", 20_000, first: 2));
        await using var explain = new NpgsqlCommand($"EXPLAIN (FORMAT JSON) EXECUTE write_row{Arguments};", connection);
        await AssertPrimaryKeyOnlyAsync(explain, "the prepared write");
    }

    [PostgresFact]
    public async Task The_retention_sweep_deletes_only_expired_rows_of_its_service_and_state_name()
    {
        await using var schema = await ScratchSchema.CreateAsync();
        await Installer(schema).EnsureCreatedAsync(CancellationToken.None);
        await using var connection = await schema.OpenAsync();
        // Ten coordinator records of service "svc" written two days ago, of which k3 is to be kept; one written now;
        // old rows of another state name and of another service.
        await ExecuteAsync(connection, Rows("svc", 10, "coordinator", "now() - interval '2 days'") + Rows("svc", 1, "coordinator", "now()", first: 11)
            + Rows("svc", 5, "ledger", "now() - interval '2 days'") + Rows("other", 5, "coordinator", "now() - interval '2 days'"));
        var janitor = new ExpiredRecordJanitor(() => new NpgsqlConnection(schema.ConnectionString), cutoff => cutoff.ToUniversalTime());

        var deleted = await janitor.DeleteAsync("svc", "coordinator", DateTimeOffset.UtcNow.AddDays(-1), new HashSet<string> { "k3" }, CancellationToken.None);

        Assert.Equal(9, deleted);
        var left = await ListAsync(connection, "SELECT ServiceId || ' ' || GrainTypeString || ' ' || count(*) FROM OrleansStorage GROUP BY ServiceId, GrainTypeString ORDER BY 1;");
        Assert.Equal(["other coordinator 5", "svc coordinator 2", "svc ledger 5"], left);
        Assert.Equal(["k11", "k3"], await ListAsync(connection,
            "SELECT GrainIdExtensionString FROM OrleansStorage WHERE ServiceId = 'svc' AND GrainTypeString = 'coordinator' ORDER BY 1;"));
    }

    // Runs an EXPLAIN (FORMAT JSON) and asserts that the plan reaches the table only through its primary key.
    private static async Task AssertPrimaryKeyOnlyAsync(NpgsqlCommand explain, string what)
    {
        using var plan = System.Text.Json.JsonDocument.Parse((string)(await explain.ExecuteScalarAsync())!);
        var scans = Scans(plan.RootElement[0].GetProperty("Plan")).ToList();
        Assert.True(scans.Count > 0 && scans.All(s => s == "Index Scan using pk_orleansstorage"),
            $"{what}: expected only primary-key index scans, got [{string.Join(", ", scans)}]");
    }

    // Every scan of a table in a JSON plan and the index it uses ("Seq Scan", "Index Scan using pk_orleansstorage").
    private static IEnumerable<string> Scans(System.Text.Json.JsonElement node)
    {
        var type = node.GetProperty("Node Type").GetString()!;
        if (type.Contains("Scan", StringComparison.Ordinal) && node.TryGetProperty("Relation Name", out _))
        {
            yield return node.TryGetProperty("Index Name", out var index) ? $"{type} using {index.GetString()}" : type;
        }

        if (!node.TryGetProperty("Plans", out var children))
        {
            yield break;
        }

        foreach (var scan in children.EnumerateArray().SelectMany(Scans))
        {
            yield return scan;
        }
    }

    // Rows k<first>..k<first+count-1> of one service and state name as the provider writes them (key k17 hashes to 17).
    private static string Rows(string serviceId, int count, string stateName = "ledger", string modifiedOn = "now()", int first = 1) => $"""
        INSERT INTO OrleansStorage (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString,
                                    ServiceId, PayloadBinary, ModifiedOn, Version)
        SELECT CASE WHEN i = 17 THEN 17 ELSE hashtext('k' || i) END, 42, 0, 0, '{stateName}', 'k' || i, '{serviceId}', '\x01', {modifiedOn}, 1
        FROM generate_series({first}, {first + count - 1}) AS i;
        """;

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [PostgresFact]
    public async Task Membership_changes_apply_only_at_the_expected_table_version()
    {
        await using var schema = await ScratchSchema.CreateAsync();
        await Installer(schema).EnsureCreatedAsync(CancellationToken.None);
        await using var connection = await schema.OpenAsync();
        var membership = new MembershipQueries(connection, await QueriesAsync(connection), "cluster-a");

        Assert.True(await membership.InsertVersionAsync());
        Assert.False(await membership.InsertVersionAsync());
        Assert.Equal((0, 0), await membership.ReadAllAsync());

        Assert.True(await membership.InsertAsync(port: 1, version: 0));
        Assert.False(await membership.InsertAsync(port: 2, version: 0));      // stale table version
        Assert.False(await membership.InsertAsync(port: 1, version: 1));      // the row is already there
        Assert.Equal((1, 1), await membership.ReadAllAsync());                // and the failed calls changed nothing

        Assert.True(await membership.UpdateAsync(port: 1, status: 6, version: 1));
        Assert.False(await membership.UpdateAsync(port: 1, status: 3, version: 1));
        Assert.False(await membership.UpdateAsync(port: 9, status: 3, version: 2)); // no such silo
        Assert.Equal((6, 2), await membership.ReadRowAsync(port: 1));

        // Silos joining at the same moment: exactly one insert applies at one table version.
        var joins = await Task.WhenAll(Enumerable.Range(10, 8).Select(async port =>
        {
            await using var own = await schema.OpenAsync();
            return await new MembershipQueries(own, membership.Queries, "cluster-a").InsertAsync(port, version: 2);
        }));
        Assert.Single(joins, joined => joined);
        Assert.Equal((2, 3), await membership.ReadAllAsync());

        await membership.CleanupAsync(DateTime.UtcNow.AddMinutes(1));        // removes the dead silo, keeps the active one
        Assert.Equal((1, 3), await membership.ReadAllAsync());
        Assert.Equal(1, await membership.GatewayCountAsync());
    }

    private static PostgresSchema Installer(ScratchSchema schema) => new(schema.ConnectionString, NullLogger<PostgresSchema>.Instance);

    private static async Task<List<string>> ListAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static async Task<Dictionary<string, string>> QueriesAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT QueryKey, QueryText FROM OrleansQuery;", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var queries = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            queries[reader.GetString(0)] = reader.GetString(1);
        }

        return queries;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string text, params (string Name, object? Value, DbType Type)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = text;
        foreach (var (name, value, type) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            parameter.DbType = type;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>The persistence provider's calls for one string-keyed grain.</summary>
    private sealed class StateQueries(NpgsqlConnection connection, Dictionary<string, string> queries, string grainKey = "acct")
    {
        public Dictionary<string, string> Queries => queries;

        public async Task<int?> WriteAsync(int? expected, byte[] payload) =>
            await VersionAsync("WriteToStorageKey", expected, payload);

        public async Task<int?> ClearAsync(int expected) => await VersionAsync("ClearStorageKey", expected, null);

        public async Task<(byte[]? Payload, int Version)> ReadAsync()
        {
            await using var command = Grain("ReadFromStorageKey");
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            var payload = reader.IsDBNull(reader.GetOrdinal("PayloadBinary")) ? null : (byte[])reader["PayloadBinary"];
            return (payload, reader.GetInt32(reader.GetOrdinal("Version")));
        }

        private async Task<int?> VersionAsync(string key, int? expected, byte[]? payload)
        {
            await using var command = Grain(key, ("GrainStateVersion", expected, DbType.Int32), ("PayloadBinary", payload, DbType.Binary));
            await using var reader = await command.ExecuteReaderAsync();
            var versions = new List<int>();
            do
            {
                while (await reader.ReadAsync())
                {
                    versions.Add(reader.GetInt32(reader.GetOrdinal("NewGrainStateVersion")));
                }
            }
            while (await reader.NextResultAsync());

            return versions.Count switch
            {
                0 => null,
                1 => versions[0],
                _ => throw new InvalidOperationException($"{key} returned {versions.Count} versions"),
            };
        }

        private NpgsqlCommand Grain(string key, params (string, object?, DbType)[] extra) => Command(connection, queries[key],
        [
            ("GrainIdHash", 17, DbType.Int32), ("GrainIdN0", 0L, DbType.Int64), ("GrainIdN1", 0L, DbType.Int64),
            ("GrainTypeHash", 42, DbType.Int32), ("GrainTypeString", "ledger", DbType.String),
            ("GrainIdExtensionString", grainKey, DbType.String), ("ServiceId", "svc", DbType.String), .. extra,
        ]);
    }

    /// <summary>The clustering provider's calls for silos on 127.0.0.1 with generation 1, told apart by port.</summary>
    private sealed class MembershipQueries(NpgsqlConnection connection, Dictionary<string, string> queries, string clusterId)
    {
        public Dictionary<string, string> Queries => queries;

        public Task<bool> InsertVersionAsync() => BooleanAsync("InsertMembershipVersionKey");

        public Task<bool> InsertAsync(int port, int version) => BooleanAsync("InsertMembershipKey",
        [
            .. Silo(port), ("SiloName", $"silo-{port}", DbType.String), ("HostName", "host", DbType.String),
            ("Status", 3, DbType.Int32), ("ProxyPort", 30000 + port, DbType.Int32),
            ("StartTime", DateTime.UtcNow, DbType.DateTime), ("IAmAliveTime", DateTime.UtcNow, DbType.DateTime),
            ("Version", version, DbType.Int32),
        ]);

        public Task<bool> UpdateAsync(int port, int status, int version) => BooleanAsync("UpdateMembershipKey",
        [
            .. Silo(port), ("Status", status, DbType.Int32), ("SuspectTimes", null, DbType.String),
            ("IAmAliveTime", DateTime.UtcNow, DbType.DateTime), ("Version", version, DbType.Int32),
        ]);

        /// <summary>(silo rows, table version).</summary>
        public async Task<(int Rows, int Version)> ReadAllAsync()
        {
            var rows = await RowsAsync("MembershipReadAllKey");
            return (rows.Count(r => r.Status is not null), Assert.Single(rows.Select(r => r.Version).Distinct()));
        }

        /// <summary>(status, table version).</summary>
        public async Task<(int? Status, int Version)> ReadRowAsync(int port) => Assert.Single(await RowsAsync("MembershipReadRowKey", Silo(port)));

        public async Task CleanupAsync(DateTime before)
        {
            await using var command = Command(connection, queries["CleanupDefunctSiloEntriesKey"],
                ("DeploymentId", clusterId, DbType.String), ("IAmAliveTime", before, DbType.DateTime));
            await command.ExecuteNonQueryAsync();
        }

        public async Task<int> GatewayCountAsync()
        {
            await using var command = Command(connection, queries["GatewaysQueryKey"],
                ("DeploymentId", clusterId, DbType.String), ("Status", 3, DbType.Int32));
            await using var reader = await command.ExecuteReaderAsync();
            var count = 0;
            while (await reader.ReadAsync())
            {
                count++;
            }

            return count;
        }

        private static (string, object?, DbType)[] Silo(int port) =>
            [("Address", "127.0.0.1", DbType.AnsiString), ("Port", port, DbType.Int32), ("Generation", 1, DbType.Int32)];

        private async Task<List<(int? Status, int Version)>> RowsAsync(string key, params (string, object?, DbType)[] extra)
        {
            await using var command = Command(connection, queries[key], [("DeploymentId", clusterId, DbType.String), .. extra]);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<(int?, int)>();
            while (await reader.ReadAsync())
            {
                var status = reader.IsDBNull(reader.GetOrdinal("StartTime")) ? (int?)null : reader.GetInt32(reader.GetOrdinal("Status"));
                rows.Add((status, Convert.ToInt32(reader["Version"], System.Globalization.CultureInfo.InvariantCulture)));
            }

            return rows;
        }

        private async Task<bool> BooleanAsync(string key, params (string, object?, DbType)[] extra)
        {
            await using var command = Command(connection, queries[key], [("DeploymentId", clusterId, DbType.String), .. extra]);
            return Convert.ToBoolean(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
