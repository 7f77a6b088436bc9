using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OrleansTwoPc.Storage.Sqlite;

namespace OrleansTwoPc.Silo;

/// <summary>
/// Whether this silo may listen on a port alone. Orleans' listeners set .NET's ReuseAddress, which on Linux also sets
/// SO_REUSEPORT: a second silo on the same port starts, listens beside the first, and the kernel splits new client
/// connections between the two. A socket without SO_REUSEPORT cannot bind beside any listener, so one bind attempt
/// tells whether the port is taken.
/// </summary>
internal static class PortProbe
{
    /// <summary>True when nothing listens on <paramref name="endpoint"/> (its address, or any address, and its port).</summary>
    public static bool IsFree(IPEndPoint endpoint)
    {
        // A plain socket, without ReuseAddress. Its bind cannot share the port with a listener; on Linux and macOS .NET
        // sets SO_REUSEADDR (not SO_REUSEPORT) on it, so connections of a silo that just stopped, left in TIME_WAIT,
        // do not count as taken (tested: SecondSiloTests).
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endpoint);
            socket.Listen();
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return false;
        }
    }

    /// <summary>Who listens on TCP <paramref name="port"/>, for the error message (Linux: /proc/net/tcp and tcp6, best effort).</summary>
    public static string Holder(int port)
    {
        var sockets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in (string[])["/proc/net/tcp", "/proc/net/tcp6"])
        {
            if (!File.Exists(table))
            {
                continue;
            }

            // "sl local_address rem_address st ... uid timeout inode": local address as hex IP:port, state 0A is LISTEN.
            foreach (var fields in File.ReadLines(table).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            {
                if (fields.Length > 9 && fields[3] == "0A" && int.Parse(fields[1][(fields[1].IndexOf(':', StringComparison.Ordinal) + 1)..],
                        NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                {
                    sockets.Add($"socket:[{fields[9]}]");
                }
            }
        }

        return LocalProcesses.Describe(sockets.Count == 0 ? [] : LocalProcesses.Holding(sockets.Contains), "a process this user cannot see");
    }
}
