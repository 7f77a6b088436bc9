using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using OrleansTwoPc.Storage;
using OrleansTwoPc.Tests.Cluster;
using static OrleansTwoPc.Tests.Storage.StoragePaths;
using static OrleansTwoPc.Tests.Storage.TestSql;

namespace OrleansTwoPc.Tests.Storage;

/// <summary>
/// The group-commit write path re-implements what Orleans' ADO.NET provider binds to its <c>WriteToStorageKey</c> query
/// (<see cref="BatchedWriteGrainStorage.Row"/>): the grain id hash, the grain type hash, the key column. These tests
/// let the provider write rows itself and compare each column with what the batched path computes for the same grain,
/// so an Orleans upgrade that changes any of it fails here rather than splitting a grain's state over two rows.
/// </summary>
public sealed class ProviderContractTests
{
    // Plain keys, keys the provider would read as numbers or GUIDs without the exact-key prefix, non-ASCII, long.
    private static readonly string[] Keys =
        ["s:alice", "s:d1", "s:0d1", $"s:{Guid.NewGuid()}", "s:héllo-ü-€", "s:" + new string('k', 300)];

    [Theory]
    [InlineData("probe")]
    [InlineData("coordinator")]
    [InlineData("ledger")]
    public async Task Hashes_and_key_columns_equal_the_rows_the_provider_writes_itself(string stateName)
    {
        using var folder = new TempFolder();
        await using var cluster = await TwoPcCluster.StartAsync(silos: 1, sqliteFolder: folder.Path);
        var paths = StoragePaths.Of(cluster, 0);
        var services = cluster.Inner.Silos[0].ServiceProvider;
        var serviceId = services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId;
        var hasher = (ProviderOptions(cluster, 0).HashPicker ?? new StorageHasherPicker([new OrleansDefaultHasher()]))
            .PickHasher<string>(serviceId, AdoNetBackend.ProviderName, stateName, Grain("x"), new GrainState<string>())!;
        foreach (var key in Keys)
        {
            await paths.Provider.WriteStateAsync(stateName, Grain(key), WithValue(new GrainState<string>(), key));

            Assert.Equal(key, BatchedWriteGrainStorage.RowKey(stateName, Grain(key)));
            var expected = BatchedWriteGrainStorage.Row(hasher, stateName, key, serviceId, null, []);
            var db = SqliteFile(folder.Path);
            const string Where = "FROM OrleansStorage WHERE GrainIdExtensionString = $key AND GrainTypeString = '{0}'";
            var row = string.Format(CultureInfo.InvariantCulture, Where, stateName);
            Assert.Equal(1L, await SqliteAsync(db, $"SELECT count(*) {row}", key));
            Assert.Equal((long)expected.GrainIdHash, await SqliteAsync(db, $"SELECT GrainIdHash {row}", key));
            Assert.Equal((long)expected.GrainTypeHash, await SqliteAsync(db, $"SELECT GrainTypeHash {row}", key));
            Assert.Equal(0L, await SqliteAsync(db, $"SELECT GrainIdN0 + GrainIdN1 {row}", key));
        }
    }
}
