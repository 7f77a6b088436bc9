namespace OrleansTwoPc.Storage.Sqlite;

/// <summary>Another process holds the SQLite data directory (see <see cref="DataDirectoryLock"/>).</summary>
public sealed class DataDirectoryInUseException(string directory, string holder, Exception inner) : InvalidOperationException(
    $"refusing to start: the data directory {directory} is in use by {holder}; a second silo on the same SQLite file " +
    $"would run the same operation ids again. Stop it, or give this silo another directory (TwoPcSqliteOptions.DataDirectory; TwoPc:Storage:DataDirectory in the OrleansTwoPc silo host).",
    inner)
{
    public string Directory { get; } = directory;
}
