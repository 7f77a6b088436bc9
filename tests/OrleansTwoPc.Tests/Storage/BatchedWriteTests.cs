using Orleans.Storage;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Scheduling;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Storage.PostgreSql;
using OrleansTwoPc.Storage.Sqlite;
using OrleansTwoPc.Storage;
using OrleansTwoPc.Tests.Cluster;
using OrleansTwoPc.Tests.Postgres;
using static OrleansTwoPc.Tests.Storage.StoragePaths;
using static OrleansTwoPc.Tests.Storage.TestSql;

namespace OrleansTwoPc.Tests.Storage;

/// <summary>
/// Group-committed writes (<see cref="BatchedWriteGrainStorage"/>) against the real databases: they are the rows
/// Orleans' ADO.NET provider reads and writes, version checks hold per row inside a shared transaction, and one
/// failing row fails alone.
/// </summary>
public sealed class BatchedWriteTests
{
    // Keys the provider would fold into numbers or GUIDs without ExactKeyGrainStorage's prefix, and non-ASCII ones.
    private static readonly string[] Keys = ["s:d1", "s:D1", "s:0d1", $"s:{Guid.NewGuid()}", "s:héllo-ü-€", "s:a.b_c:d-1"];

    [Fact]
    public async Task Sqlite_rows_written_by_either_path_are_the_same_rows()
    {
        using var folder = new TempFolder();
        await using var cluster = await TwoPcCluster.StartAsync(silos: 1, sqliteFolder: folder.Path);
        await AssertInterchangeableAsync(StoragePaths.Of(cluster, 0));
    }

    [PostgresFact]
    public async Task Postgres_rows_written_by_either_path_are_the_same_rows()
    {
        await using var schema = await ScratchSchema.CreateAsync();
        await using var cluster = await TwoPcCluster.StartAsync(silos: 1, settings: Postgres(schema));
        await AssertInterchangeableAsync(StoragePaths.Of(cluster, 0));
    }

    [PostgresFact]
    public async Task Postgres_clusters_on_different_schemas_in_one_process_write_to_their_own()
    {
        await using var schemaA = await ScratchSchema.CreateAsync();
        await using var schemaB = await ScratchSchema.CreateAsync();
        await using var a = await TwoPcCluster.StartAsync(silos: 1, settings: Postgres(schemaA));
        await using var b = await TwoPcCluster.StartAsync(silos: 1, settings: Postgres(schemaB));
        Assert.NotSame(StoragePaths.Of(a, 0).Batcher, StoragePaths.Of(b, 0).Batcher);

        await a.Transactions.ExecuteAsync("d-a", TransactionRequest.Deposit("alice", 5).Dated());
        await b.Transactions.ExecuteAsync("d-b", TransactionRequest.Deposit("alice", 7).Dated());
        await using var connection = await schemaB.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM OrleansStorage WHERE GrainIdExtensionString = 's:d-a'";
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!); // a's coordinator row is not in b's schema
        await a.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await b.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(5, await a.Ledger("alice").GetBalance());
        Assert.Equal(7, await b.Ledger("alice").GetBalance());
    }

    [Fact]
    public async Task Sqlite_stale_versions_fail_alone_and_the_rest_of_their_batch_commits()
    {
        using var folder = new TempFolder();
        await using var cluster = await TwoPcCluster.StartAsync(silos: 2, sqliteFolder: folder.Path);
        var paths = StoragePaths.Of(cluster, 0);
        Assert.Same(paths.Batcher, StoragePaths.Of(cluster, 1).Batcher); // one writer per SQLite file in a process
        await AssertVersionChecksPerRowAsync(paths);
    }

    [PostgresFact]
    public async Task Postgres_stale_versions_fail_alone_and_the_rest_of_their_batch_commits()
    {
        await using var schema = await ScratchSchema.CreateAsync();
        await using var cluster = await TwoPcCluster.StartAsync(silos: 1, settings: Postgres(schema));
        await AssertVersionChecksPerRowAsync(StoragePaths.Of(cluster, 0));
    }

    [Fact]
    public async Task Sqlite_a_row_the_database_refuses_fails_alone()
    {
        using var folder = new TempFolder();
        await using var cluster = await TwoPcCluster.StartAsync(silos: 1, sqliteFolder: folder.Path);
        var file = SqliteFile(folder.Path);
        await SqliteAsync(file, """
            CREATE TRIGGER refuse_poison BEFORE INSERT ON OrleansStorage WHEN NEW.GrainIdExtensionString = 's:poison'
            BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END;
            """);
        await AssertPoisonFailsAloneAsync(StoragePaths.Of(cluster, 0),
            async key => (long)(await SqliteAsync(file, "SELECT COUNT(*) FROM OrleansStorage WHERE GrainIdExtensionString = $key", key))!);
    }

    [PostgresFact]
    public async Task Postgres_a_row_the_database_refuses_fails_alone()
    {
        await using var schema = await ScratchSchema.CreateAsync();
        await using var cluster = await TwoPcCluster.StartAsync(silos: 1, settings: Postgres(schema));
        await PostgresAsync(schema, """
            CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.GrainIdExtensionString = 's:poison' THEN RAISE EXCEPTION 'refused by the test trigger'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_poison BEFORE INSERT ON OrleansStorage FOR EACH ROW EXECUTE FUNCTION refuse_poison();
            """);
        await AssertPoisonFailsAloneAsync(StoragePaths.Of(cluster, 0),
            async key => (long)(await PostgresAsync(schema, "SELECT COUNT(*) FROM OrleansStorage WHERE GrainIdExtensionString = @key", key))!);
    }

    private static async Task AssertPoisonFailsAloneAsync(StoragePaths paths, Func<string, Task<long>> countRows)
    {
        var keys = Enumerable.Range(0, 40).Select(i => i == 17 ? "s:poison" : $"s:row-{i}").ToArray();
        var states = keys.Select(_ => new GrainState<string>()).ToArray();
        var writes = keys.Select((key, i) => Attempt(paths.Batched.WriteStateAsync("probe", Grain(key), WithValue(states[i], key)))).ToArray();
        var results = await Task.WhenAll(writes);

        for (var i = 0; i < keys.Length; i++)
        {
            if (keys[i] == "s:poison")
            {
                Assert.Contains("refused by the test trigger", Assert.IsAssignableFrom<System.Data.Common.DbException>(results[i]).Message);
                Assert.Equal(0L, await countRows(keys[i]));
            }
            else
            {
                Assert.Null(results[i]);
                Assert.Equal(keys[i], (await paths.ReadAsync(keys[i])).State);
            }
        }
    }

    private static async Task AssertInterchangeableAsync(StoragePaths paths)
    {
        foreach (var key in Keys)
        {
            var grain = Grain(key);
            var state = new GrainState<string>();

            await paths.Provider.WriteStateAsync("probe", grain, WithValue(state, "by the provider"));
            var first = state.ETag;
            await paths.Batched.WriteStateAsync("probe", grain, WithValue(state, "batched"));
            Assert.NotEqual(first, state.ETag);

            var read = await paths.ReadAsync(key);
            Assert.Equal("batched", read.State);
            Assert.Equal(state.ETag, read.ETag);

            // The provider's next write at the batched write's version lands on the same row...
            await paths.Provider.WriteStateAsync("probe", grain, WithValue(read, "provider again"));
            // ...and the batched path now refuses the version it held before, as the provider would.
            await Assert.ThrowsAsync<InconsistentStateException>(() => paths.Batched.WriteStateAsync("probe", grain, WithValue(state, "stale")));

            // A new row written by the batched path is read (and then written) by the provider.
            var fresh = new GrainState<string>();
            await paths.Batched.WriteStateAsync("probe-new", grain, WithValue(fresh, "new row"));
            var readNew = new GrainState<string>();
            await paths.Provider.ReadStateAsync("probe-new", grain, readNew);
            Assert.Equal(("new row", fresh.ETag), (readNew.State, readNew.ETag));
            await paths.Provider.WriteStateAsync("probe-new", grain, WithValue(readNew, "provider over batched"));
        }
    }

    private static async Task AssertVersionChecksPerRowAsync(StoragePaths paths)
    {
        const int Rows = 200;
        var keys = Enumerable.Range(0, Rows).Select(i => $"s:acct-{i}").ToArray();
        var states = keys.Select(_ => new GrainState<string>()).ToArray();
        for (var i = 0; i < Rows; i++)
        {
            await paths.Batched.WriteStateAsync("probe", Grain(keys[i]), WithValue(states[i], "v1"));
        }

        var transactionsBefore = paths.Batcher.Transactions;
        var rowsBefore = paths.Batcher.Rows;
        // Odd rows write at a version that is no longer current (a stale activation would); even rows are current.
        var attempts = keys.Select((key, i) =>
        {
            var state = new GrainState<string> { State = "v2", ETag = i % 2 == 0 ? states[i].ETag : "999999", RecordExists = true };
            return Attempt(paths.Batched.WriteStateAsync("probe", Grain(key), state));
        }).ToArray();
        var results = await Task.WhenAll(attempts);

        for (var i = 0; i < Rows; i++)
        {
            var stored = await paths.ReadAsync(keys[i]);
            if (i % 2 == 0)
            {
                Assert.Null(results[i]);
                Assert.Equal("v2", stored.State);
            }
            else
            {
                Assert.IsType<InconsistentStateException>(results[i]);
                Assert.Equal("v1", stored.State);
            }
        }

        var transactions = paths.Batcher.Transactions - transactionsBefore;
        Assert.Equal(Rows, paths.Batcher.Rows - rowsBefore);
        Assert.True(transactions < Rows / 4, $"{Rows} concurrent writes took {transactions} transactions: they were not batched");
    }

    private static Dictionary<string, string?> Postgres(ScratchSchema schema) => new()
    {
        ["TwoPc:Storage:Provider"] = "Postgres",
        ["TwoPc:Storage:ConnectionString"] = schema.ConnectionString,
    };
}
