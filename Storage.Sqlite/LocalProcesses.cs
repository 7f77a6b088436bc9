using System.Globalization;

namespace OrleansTwoPc.Storage.Sqlite;

/// <summary>
/// Which local processes hold a file or a socket open, for error messages that say who is in the way. Best effort and
/// Linux only (/proc/&lt;pid&gt;/fd); other systems, and processes of other users without root, are not seen.
/// </summary>
internal static class LocalProcesses
{
    /// <summary>Processes with an open descriptor whose link target satisfies <paramref name="isTarget"/>.</summary>
    /// <param name="isTarget">Gets a file's full path, or <c>socket:[inode]</c> for a socket.</param>
    public static IReadOnlyList<int> Holding(Func<string, bool> isTarget)
    {
        var holders = new List<int>();
        if (!OperatingSystem.IsLinux())
        {
            return holders;
        }

        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Holds(folder, isTarget))
            {
                holders.Add(pid);
            }
        }

        return holders;
    }

    /// <summary>
    /// "process 4242 (OrleansTwoPc.Silo in /home/me/silo1)" for each holder, or <paramref name="unknown"/> when none is
    /// seen. Only the program's name and its working directory: its arguments may carry secrets.
    /// </summary>
    public static string Describe(IReadOnlyList<int> holders, string unknown) =>
        holders.Count == 0 ? unknown : string.Join(", ", holders.Select(Describe));

    private static string Describe(int pid)
    {
        var folder = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}";
        var program = Try(() => ProgramName(File.ReadAllText(Path.Combine(folder, "cmdline")).Split('\0'))) ?? "?";
        var directory = Try(() => new DirectoryInfo(Path.Combine(folder, "cwd")).LinkTarget);
        return directory is null ? $"process {pid} ({program})" : $"process {pid} ({program} in {directory})";
    }

    // "dotnet OrleansTwoPc.Silo.dll" for `dotnet x.dll`, else the executable's file name.
    private static string ProgramName(string[] arguments) =>
        arguments.Length > 1 && arguments[1].EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? $"{Path.GetFileName(arguments[0])} {Path.GetFileName(arguments[1])}"
            : Path.GetFileName(arguments[0]);

    private static bool Holds(string process, Func<string, bool> isTarget)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries(Path.Combine(process, "fd"))
                .Any(fd => Try(() => new FileInfo(fd).LinkTarget) is { } target && isTarget(target));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // gone meanwhile, or not ours to look at
        }
    }

    private static string? Try(Func<string?> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
