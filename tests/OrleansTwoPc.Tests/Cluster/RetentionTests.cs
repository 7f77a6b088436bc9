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
