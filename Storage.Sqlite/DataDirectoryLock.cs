using OrleansTwoPc.Configuration;

namespace OrleansTwoPc.Storage.Sqlite;

/// <summary>
/// One process per SQLite data directory. Two silo processes on one file would form two clusters over the same rows:
/// each would activate the same grains and run the same operation ids. The lock is an exclusive OS lock on a file in
/// the directory (<see cref="FileShare.None"/>: flock on Linux and macOS, a share-mode lock on Windows), held while a
/// silo of this process uses the directory. The OS drops it when the process ends, on a crash or SIGKILL too, so a
/// stale lock file never blocks a restart. Silos hosted in one process (test clusters) share the directory: the lock is
/// counted per process.
/// </summary>
public static class DataDirectoryLock
{
    /// <summary>The lock file's name in the data directory. It stays there; only the OS lock on it matters.</summary>
    public const string FileName = "orleanstwopc.lock";

    private static readonly Dictionary<string, (FileStream File, int Holders)> Held = new(StringComparer.Ordinal);

    /// <summary>Takes the directory for this process, or joins a silo of this process that has it. Dispose to let go.</summary>
    /// <exception cref="DataDirectoryInUseException">Another process holds the directory.</exception>
    public static IDisposable Acquire(string directory)
    {
        directory = Path.GetFullPath(directory);
        var path = Path.Combine(directory, FileName);
        lock (Held)
        {
            if (Held.TryGetValue(path, out var held))
            {
                Held[path] = (held.File, held.Holders + 1);
                return new Lease(path);
            }

            Directory.CreateDirectory(directory);
            try
            {
                Held[path] = (new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None), 1);
            }
            catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
            {
                throw new DataDirectoryInUseException(directory, LocalProcesses.Describe(LocalProcesses.Holding(path.Equals), "another process"), e);
            }

            return new Lease(path);
        }
    }

    private static void Release(string path)
    {
        lock (Held)
        {
            var held = Held[path];
            if (held.Holders > 1)
            {
                Held[path] = (held.File, held.Holders - 1);
                return;
            }

            Held.Remove(path);
            held.File.Dispose();
        }
    }

    private sealed class Lease(string path) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Release(path);
            }
        }
    }
}
