using Orleans.Storage;
using OrleansTwoPc.Tests.Cluster;
using OrleansTwoPc.Tests.Postgres;
using static OrleansTwoPc.Tests.Storage.StoragePaths;
using static OrleansTwoPc.Tests.Storage.TestSql;

namespace OrleansTwoPc.Tests.Storage;

/// <summary>
/// A row's version (the grain state's ETag) at the 32-bit boundary: Orleans' ADO.NET provider parses ETags and reads
/// versions as <see cref="int"/>, so the write queries wrap a version past <see cref="int.MaxValue"/> to 1. A hot row
/// stays writable through both write paths and readable by the provider, and stale versions stay refused across the wrap.
/// </summary>
public sealed class VersionWrapTests
{
    private const string Key = "s:hot";

    [Fact]
    public async Task Sqlite_a_row_at_the_last_32_bit_version_stays_writable_and_readable_and_wraps_to_1()
    {
        using var folder = new TempFolder();
        await using var cluster = await TwoPcCluster.StartAsync(silos: 1, sqliteFolder: folder.Path);
        var file = SqliteFile(folder.Path);
        await AssertWrapsAsync(StoragePaths.Of(cluster, 0),
            version => SqliteAsync(file, "UPDATE OrleansStorage SET Version = $version WHERE GrainIdExtensionString = $key", Key, version));
    }

    [PostgresFact]
    public async Task Postgres_a_row_at_the_last_32_bit_version_stays_writable_and_readable_and_wraps_to_1()
    {
        await using var schema = await ScratchSchema.CreateAsync();
        await using var cluster = await TwoPcCluster.StartAsync(silos: 1, settings: PostgresClusterFixture.PostgresSettings(schema.ConnectionString));
        await AssertWrapsAsync(StoragePaths.Of(cluster, 0),
            version => PostgresAsync(schema, "UPDATE OrleansStorage SET Version = @version WHERE GrainIdExtensionString = @key", Key, version));
    }

    private static async Task AssertWrapsAsync(StoragePaths paths, Func<long, Task> setVersion)
    {
        var grain = Grain(Key);
        await paths.Batched.WriteStateAsync("probe", grain, WithValue(new GrainState<string>(), "v1"));
        // As if the row had been written 2^31 - 2 times.
        await setVersion(int.MaxValue - 1);

        var state = await paths.ReadAsync(Key);
        Assert.Equal(Etag(int.MaxValue - 1), state.ETag);
        await paths.Batched.WriteStateAsync("probe", grain, WithValue(state, "last"));
        Assert.Equal(Etag(int.MaxValue), state.ETag);
        await paths.Batched.WriteStateAsync("probe", grain, WithValue(state, "wrapped"));
        Assert.Equal("1", state.ETag);
        var read = await paths.ReadAsync(Key);
        Assert.Equal(("wrapped", "1"), (read.State, read.ETag));

        // Versions from before the wrap are stale: both write paths refuse them and the row keeps its value.
        foreach (var stale in (int[])[int.MaxValue - 1, int.MaxValue])
        {
            await Assert.ThrowsAsync<InconsistentStateException>(() => paths.Batched.WriteStateAsync("probe", grain, Stale(stale)));
            await Assert.ThrowsAsync<InconsistentStateException>(() => paths.Provider.WriteStateAsync("probe", grain, Stale(stale)));
        }

        read = await paths.ReadAsync(Key);
        Assert.Equal(("wrapped", "1"), (read.State, read.ETag));
        await paths.Batched.WriteStateAsync("probe", grain, WithValue(state, "after"));
        Assert.Equal("2", state.ETag);

        // The provider's own write wraps alike (its clear query has the same expression; no grain clears its state).
        await setVersion(int.MaxValue);
        state = await paths.ReadAsync(Key);
        await paths.Provider.WriteStateAsync("probe", grain, WithValue(state, "provider wrapped"));
        Assert.Equal("1", state.ETag);
        await paths.Batched.WriteStateAsync("probe", grain, WithValue(state, "batched again"));
        read = await paths.ReadAsync(Key);
        Assert.Equal(("batched again", "2"), (read.State, read.ETag));
    }

    private static GrainState<string> Stale(int version) =>
        new() { State = "stale", ETag = Etag(version), RecordExists = true };

    private static string Etag(int version) => version.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
