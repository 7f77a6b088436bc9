namespace OrleansTwoPc.Tests.Cluster;

/// <summary>Outcomes survive the silos: a whole-cluster restart on the same SQLite file replays the first outcome.</summary>
public sealed class DurabilityTests
{
    [Fact]
    public async Task Replay_after_the_silos_restarted_on_sqlite_returns_the_first_outcome()
    {
        using var folder = new TempFolder();
        var transfer = TransactionRequest.Transfer("alice", "bob", 30).Dated();
        var overdraft = TransactionRequest.Transfer("bob", "alice", 999).Dated();
        TransactionOutcome committed, aborted;

        await using (var first = await TwoPcCluster.StartAsync(silos: 2, sqliteFolder: folder.Path))
        {
            await first.Transactions.ExecuteAsync("d1", TransactionRequest.Deposit("alice", 100).Dated());
            committed = await first.Transactions.ExecuteAsync("t1", transfer);
            aborted = await first.Transactions.ExecuteAsync("t2", overdraft);
            await first.WaitCompletedAsync("t1");
            await first.WaitCompletedAsync("t2");
        }

        Assert.True(File.Exists(Path.Combine(folder.Path, "orleanstwopc.db")), "the SQLite file lives in the configured folder");

        await using var second = await TwoPcCluster.StartAsync(silos: 2, sqliteFolder: folder.Path);
        var status = await second.Transactions.GetStatusAsync("t1");
        Assert.Equal(TransactionStatus.Committed, status.Status);

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
    }
}
