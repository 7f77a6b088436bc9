namespace OrleansTwoPc.Tests.Cluster;

/// <summary>A 2-silo cluster on one storage backend, shared by the tests of one class.</summary>
public abstract class ClusterFixture : IAsyncLifetime
{
    private TwoPcCluster? _cluster;

    public TwoPcCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _cluster = await StartAsync();

    public virtual async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    protected abstract Task<TwoPcCluster> StartAsync();
}

public sealed class MemoryClusterFixture : ClusterFixture
{
    protected override Task<TwoPcCluster> StartAsync() => TwoPcCluster.StartAsync(silos: 2);
}

public sealed class SqliteClusterFixture : ClusterFixture
{
    private readonly TempFolder _folder = new();

    protected override Task<TwoPcCluster> StartAsync() => TwoPcCluster.StartAsync(silos: 2, sqliteFolder: _folder.Path);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
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
