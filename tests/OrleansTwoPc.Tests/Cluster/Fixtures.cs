using OrleansTwoPc.Tests.Postgres;

namespace OrleansTwoPc.Tests.Cluster;

/// <summary>A 2-silo cluster on one storage backend, shared by the tests of one class.</summary>
public abstract class ClusterFixture : IAsyncLifetime
{
    private TwoPcCluster? _cluster;

    public TwoPcCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");

    public virtual async Task InitializeAsync() => _cluster = await StartAsync();

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

/// <summary>
/// PostgreSQL (<c>ORLEANSTWOPC_POSTGRES</c>) in a scratch schema of its own, dropped afterwards; a unique service id.
/// Membership stays in-process (the test cluster's); PostgreSQL membership is tested with real silo processes.
/// </summary>
public sealed class PostgresClusterFixture : ClusterFixture
{
    private ScratchSchema? _schema;

    /// <summary>Starts nothing when the tests are skipped (no server configured, not on CI).</summary>
    public override Task InitializeAsync() => PostgresEnvironment.SkipReason is null ? base.InitializeAsync() : Task.CompletedTask;

    protected override async Task<TwoPcCluster> StartAsync()
    {
        _schema = await ScratchSchema.CreateAsync();
        return await TwoPcCluster.StartAsync(silos: 2, settings: PostgresSettings(_schema.ConnectionString),
            serviceId: $"twopc-tests-{Guid.NewGuid():N}");
    }

    /// <summary>Configuration that puts grain state in PostgreSQL at <paramref name="connectionString"/>.</summary>
    public static Dictionary<string, string?> PostgresSettings(string connectionString) => new()
    {
        ["TwoPc:Storage:Provider"] = "Postgres",
        ["TwoPc:Storage:ConnectionString"] = connectionString,
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
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
