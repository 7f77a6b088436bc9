using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;
using OrleansTwoPc.Coordinator;
using OrleansTwoPc.Retention;

namespace OrleansTwoPc.Tests.Cluster;

/// <summary>Storage stays bounded: expired operation records are deleted, and a request that old is refused, not rerun.</summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task The_sweep_deletes_expired_operation_records_on_a_fake_clock()
    {
        using var folder = new TempFolder();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // The sweep runs when the test says so: the periodic one would fire as soon as the fake clock jumps.
        await using var cluster = await TwoPcCluster.StartAsync(2, folder.Path,
            new Dictionary<string, string?> { ["TwoPc:RetentionSweepInterval"] = "3650.00:00:00" },
            configureSilo: silo => silo.Services.AddSingleton<TimeProvider>(clock));
        var requests = Enumerable.Range(0, 20)
            .Select(i => ($"r{i}", TransactionRequest.Deposit($"acct{i % 4}", 1) with { CreatedAt = clock.GetUtcNow() }))
            .ToList();
        foreach (var (id, request) in requests)
        {
            await cluster.Transactions.ExecuteAsync(id, request);
        }

        var before = await CountRowsAsync(folder.Path, TransactionCoordinatorGrain.StateName);
        var ledgerBefore = await CountRowsAsync(folder.Path, "ledger");
        Assert.Equal(20, before);

        // Six days pass: nothing has expired yet.
        clock.Advance(TimeSpan.FromDays(6));
        var sweeper = cluster.Inner.Silos[0].ServiceProvider.GetRequiredService<RetentionSweeper>();
        Assert.Equal(0, await sweeper.SweepOnceAsync());

        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(20, await sweeper.SweepOnceAsync());
        Assert.Equal(0, await CountRowsAsync(folder.Path, TransactionCoordinatorGrain.StateName));
        Assert.Equal(ledgerBefore, await CountRowsAsync(folder.Path, "ledger"));

        // The record is gone, but a late retry of that request is refused as expired, not executed a second time.
        var (oldId, oldRequest) = requests[0];
        await cluster.Inner.DeactivateAsync(GrainId.Create(TransactionCoordinatorGrain.GrainTypeName, oldId));
        Assert.Equal(TransactionStatus.Unknown, (await cluster.Transactions.GetStatusAsync(oldId)).Status);
        await Assert.ThrowsAsync<OperationExpiredException>(() => cluster.Transactions.ExecuteAsync(oldId, oldRequest));
        Assert.Equal(5, await cluster.Ledger("acct0").GetBalance());
    }

    /// <summary>
    /// Issue 12, hole 2: a caller retries a purged id with the request it kept. The id's creation time comes with it
    /// (a time-ordered id, or the request's CreatedAt, set once), so the retry is refused as expired, never run again;
    /// and the record is kept for retention plus the allowed clock skew, so no retry that could be accepted finds it gone.
    /// </summary>
    [Fact]
    public async Task A_retry_of_a_purged_id_never_runs_again()
    {
        using var folder = new TempFolder();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var cluster = await TwoPcCluster.StartAsync(2, folder.Path,
            new Dictionary<string, string?> { ["TwoPc:RetentionSweepInterval"] = "3650.00:00:00" },
            configureSilo: silo => silo.Services.AddSingleton<TimeProvider>(clock));
        var transactions = new Client.TransactionClient(cluster.Client, time: clock);
        var timeOrdered = OperationIds.New("p", clock);
        var dated = "p-dated";
        var deposit = TransactionRequest.Deposit("purged", 10);

        // Undated, with an id that carries no time: refused before anything runs.
        var undated = await Assert.ThrowsAsync<InvalidRequestException>(() => transactions.ExecuteAsync("p-undated", deposit));
        Assert.Equal("createdAt", undated.Field);
        await transactions.ExecuteAsync(timeOrdered, deposit);
        await transactions.ExecuteAsync(dated, deposit with { CreatedAt = clock.GetUtcNow() });
        var sweeper = cluster.Inner.Silos[0].ServiceProvider.GetRequiredService<RetentionSweeper>();

        // Past retention but within the skew the silos allow: the records stay, a retry is answered from them.
        clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        Assert.Equal(0, await sweeper.SweepOnceAsync());
        Assert.True((await transactions.ExecuteAsync(timeOrdered, deposit)).Replayed);

        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(2, await sweeper.SweepOnceAsync());
        foreach (var id in new[] { timeOrdered, dated })
        {
            await cluster.Inner.DeactivateAsync(GrainId.Create(TransactionCoordinatorGrain.GrainTypeName, id));
        }

        await Assert.ThrowsAsync<OperationExpiredException>(() => transactions.ExecuteAsync(timeOrdered, deposit));
        await Assert.ThrowsAsync<OperationExpiredException>(() =>
            transactions.ExecuteAsync(dated, deposit with { CreatedAt = clock.GetUtcNow() - TimeSpan.FromDays(8) }));
        Assert.Equal(20, await cluster.Ledger("purged").GetBalance());
    }

    private static async Task<long> CountRowsAsync(string folder, string stateName)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "orleanstwopc.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM OrleansStorage WHERE GrainTypeString = @type";
        command.Parameters.AddWithValue("@type", stateName);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
