using OrleansTwoPc.Tests.Cluster;
using static OrleansTwoPc.Tests.Storage.TestSql;

namespace OrleansTwoPc.Tests.Storage;

/// <summary>
/// Asking about an operation id that never ran (<c>status</c>, <c>inspect</c>, <c>GET /transactions/{id}</c>) stores
/// nothing: the coordinator it activates reads storage, finds no record and writes none, neither while active nor when
/// it is deactivated. Checked on the rows of the SQLite file.
/// </summary>
public sealed class UnknownIdQueryTests
{
    [Fact]
    public async Task Sqlite_status_and_inspect_of_unknown_ids_leave_the_storage_rows_unchanged()
    {
        using var folder = new TempFolder();
        await using var cluster = await TwoPcCluster.StartAsync(silos: 2, sqliteFolder: folder.Path);
        var known = OperationIds.New("known");
        await cluster.Transactions.ExecuteAsync(known, TransactionRequest.Transfer("uq-a", "uq-b", 1));
        await cluster.Transactions.WaitCompletedAsync(known);
        // The participants forget the operation with one more write each: wait for both, so that rows are at rest.
        await ForgottenAsync(cluster, "uq-a");
        await ForgottenAsync(cluster, "uq-b");
        await Collect(cluster);
        var before = await RowsAsync(folder.Path);

        var unknown = Enumerable.Range(0, 20).Select(i => $"never-ran-{i}").ToList();
        foreach (var id in unknown)
        {
            Assert.Equal(TransactionStatus.Unknown, (await cluster.Transactions.GetStatusAsync(id)).Status);
            Assert.Equal("None", (await cluster.Transactions.InspectAsync(id)).Phase);
        }

        // Deactivating them is when a careless grain would write; then the rows are read again.
        await Collect(cluster);
        Assert.Equal(before, await RowsAsync(folder.Path));
        Assert.Equal(0L, await SqliteAsync(SqliteFile(folder.Path),
            "SELECT COUNT(*) FROM OrleansStorage WHERE GrainIdExtensionString LIKE '%never-ran-%'"));
    }

    private static async Task ForgottenAsync(TwoPcCluster cluster, string account)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while ((await cluster.Inspection(ParticipantKinds.Ledger, account).Inspect(false)).EndedCount > 0)
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private static async Task Collect(TwoPcCluster cluster) =>
        await cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

    // Every row with its version and time of last write: a write to any row, or a new row, changes this.
    private static async Task<string> RowsAsync(string folder) => (string)(await SqliteAsync(SqliteFile(folder),
        "SELECT COUNT(*) || ':' || COALESCE(SUM(Version), 0) || ':' || COALESCE(MAX(ModifiedOn), '') FROM OrleansStorage"))!;
}
