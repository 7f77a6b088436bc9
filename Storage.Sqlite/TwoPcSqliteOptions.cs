namespace OrleansTwoPc.Storage.Sqlite;

/// <summary>Where the SQLite back end keeps the records, and how it writes them. Validated when the silo is configured.</summary>
public sealed class TwoPcSqliteOptions
{
    /// <summary>Folder of the SQLite file, relative to the working directory unless rooted. Default <c>data</c>.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>SQLite file name inside <see cref="DataDirectory"/>. Default <c>orleanstwopc.db</c>.</summary>
    public string FileName { get; set; } = "orleanstwopc.db";

    /// <summary>How long a SQLite command waits for the database's single writer lock before failing. Default 30 seconds.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Most grain-state writes committed in one database transaction (group commit; see docs/performance.md).
    /// Default 256. 1 turns group commit off: every write is its own transaction, as with the plain provider.
    /// </summary>
    public int MaxWriteBatch { get; set; } = 256;

    /// <summary>
    /// Create the tables and the provider's query rows (the package's <c>sql/sqlite.sql</c>, idempotent) at silo start.
    /// Default false: the silo then checks that the schema is there and refuses to start if it is not.
    /// </summary>
    public bool InstallSchema { get; set; }

    /// <summary>The SQLite file's full path.</summary>
    public string FilePath => Path.GetFullPath(Path.Combine(DataDirectory, FileName));

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(DataDirectory, nameof(DataDirectory));
        ArgumentException.ThrowIfNullOrWhiteSpace(FileName, nameof(FileName));
        ArgumentOutOfRangeException.ThrowIfLessThan(BusyTimeout, TimeSpan.FromSeconds(1), nameof(BusyTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxWriteBatch, 1, nameof(MaxWriteBatch));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxWriteBatch, 10_000, nameof(MaxWriteBatch));
    }
}
