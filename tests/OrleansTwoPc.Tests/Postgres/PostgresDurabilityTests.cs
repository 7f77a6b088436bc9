using OrleansTwoPc.Tests.Cluster;

namespace OrleansTwoPc.Tests.Postgres;

/// <summary>Outcomes survive the silos: a whole-cluster restart on the same PostgreSQL database replays the first outcome.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresDurabilityTests
{
    [PostgresFact]
    public async Task Replay_after_the_silos_restarted_on_postgres_returns_the_first_outcome()
    {
        await using var schema = await ScratchSchema.CreateAsync();
        var settings = PostgresClusterFixture.PostgresSettings(schema.ConnectionString);
        var serviceId = $"twopc-tests-{Guid.NewGuid():N}";
        var transfer = TransactionRequest.Transfer("alice", "bob", 30).Dated();
        var overdraft = TransactionRequest.Transfer("bob", "alice", 999).Dated();
        TransactionOutcome committed, aborted;

        await using (var first = await TwoPcCluster.StartAsync(silos: 2, settings: settings, serviceId: serviceId))
        {
            await first.Transactions.ExecuteAsync("d1", TransactionRequest.Deposit("alice", 100).Dated());
            committed = await first.Transactions.ExecuteAsync("t1", transfer);
            aborted = await first.Transactions.ExecuteAsync("t2", overdraft);
            await first.WaitCompletedAsync("t1");
            await first.WaitCompletedAsync("t2");
        }

        await using var second = await TwoPcCluster.StartAsync(silos: 2, settings: settings, serviceId: serviceId);
        Assert.Equal(TransactionStatus.Committed, (await second.Transactions.GetStatusAsync("t1")).Status);

        var replay = await second.Transactions.ExecuteAsync("t1", transfer);
        Assert.True(replay.Replayed, "the retried id must be answered from the stored record");
        Assert.Equal(committed.Status, replay.Status);
        Assert.Equal(committed.DecidedAt, replay.DecidedAt);

        var abortReplay = await second.Transactions.ExecuteAsync("t2", overdraft);
        Assert.Equal(TransactionStatus.Aborted, abortReplay.Status);
        Assert.Equal(aborted.Reason, abortReplay.Reason);

        await Assert.ThrowsAsync<OperationConflictException>(
            () => second.Transactions.ExecuteAsync("t1", TransactionRequest.Transfer("alice", "bob", 31).Dated()));
        Assert.Equal(70, await second.Ledger("alice").GetBalance());
        Assert.Equal(30, await second.Ledger("bob").GetBalance());

        // Another service id on the same tables sees none of it.
        await using var other = await TwoPcCluster.StartAsync(silos: 1, settings: settings, serviceId: $"twopc-tests-{Guid.NewGuid():N}");
        Assert.Equal(TransactionStatus.Unknown, (await other.Transactions.GetStatusAsync("t1")).Status);
        Assert.Equal(0, await other.Ledger("alice").GetBalance());
    }
}
