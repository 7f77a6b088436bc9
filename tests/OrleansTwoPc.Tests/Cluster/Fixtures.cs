namespace OrleansTwoPc.Tests.Cluster;

/// <summary>One 2-silo memory-storage cluster shared by the tests that do not restart or kill silos.</summary>
public sealed class MemoryClusterFixture : IAsyncLifetime
{
    private TwoPcCluster? _cluster;

    public TwoPcCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _cluster = await TwoPcCluster.StartAsync(silos: 2);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<MemoryClusterFixture>
{
    public const string Name = "memory cluster";
}

/// <summary>A fresh temporary folder for a SQLite file, removed afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("orleanstwopc-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A silo that has not let go of the file yet; the OS temp cleaner gets it.
        }
    }
}
