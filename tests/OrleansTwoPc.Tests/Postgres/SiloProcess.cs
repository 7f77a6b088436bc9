using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OrleansTwoPc.Tests.Postgres;

/// <summary>
/// The shipped silo executable (Silo/bin/&lt;configuration&gt;/net10.0) run as a child process, on PostgreSQL or on a
/// SQLite data directory, so a test can kill it for real. A connection string goes through the environment, never
/// the command line (visible to ps).
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private const string ActiveMarker = "Silo active in cluster";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource _active = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiloProcess(Process process, int siloPort, int gatewayPort)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public IPEndPoint Gateway => new(IPAddress.Loopback, GatewayPort);

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    /// <summary>Starts a silo on PostgreSQL; <see cref="WaitActiveAsync"/> waits until it joined the cluster.</summary>
    public static SiloProcess Start(string connectionString, string clusterId, string serviceId) =>
        Start(FreePort(), FreePort(), ["--TwoPc:Storage:Provider=Postgres", $"--TwoPc:Cluster:ClusterId={clusterId}",
            $"--TwoPc:Cluster:ServiceId={serviceId}"], connectionString);

    /// <summary>Starts a silo on the SQLite default with its data in <paramref name="dataDirectory"/>.</summary>
    public static SiloProcess StartSqlite(string dataDirectory, int siloPort, int gatewayPort) =>
        Start(siloPort, gatewayPort, ["--TwoPc:Storage:Provider=Sqlite", $"--TwoPc:Storage:DataDirectory={dataDirectory}"], connectionString: null);

    private static SiloProcess Start(int siloPort, int gatewayPort, string[] arguments, string? connectionString)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[SiloDll(), .. arguments,
                     $"--TwoPc:Cluster:SiloPort={siloPort}", $"--TwoPc:Cluster:GatewayPort={gatewayPort}",
                     "--TwoPc:Http:Enabled=false", "--Logging:LogLevel:Orleans=Warning"])
        {
            start.ArgumentList.Add(argument);
        }

        if (connectionString is not null)
        {
            start.Environment[PostgresEnvironment.Variable] = connectionString;
        }

        start.Environment["DOTNET_gcServer"] = "0"; // several silos and the test host share two cores
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var silo = new SiloProcess(process, siloPort, gatewayPort);
        process.OutputDataReceived += (_, e) => silo.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => silo.OnLine(e.Data);
        process.Exited += (_, _) => silo._active.TrySetException(
            new InvalidOperationException($"silo on port {siloPort} exited before it was active:\n{silo.Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Everything the silo printed so far, for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    public Task WaitActiveAsync(TimeSpan timeout) => _active.Task.WaitAsync(timeout);

    /// <summary>Waits for the process to end by itself; its exit code, or null if it still runs after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>SIGKILL: no goodbye to the cluster, no flushing, as a crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (line.Contains(ActiveMarker, StringComparison.Ordinal))
        {
            _active.TrySetResult();
        }
    }

    /// <summary>Silo/bin/&lt;configuration&gt;/net10.0/OrleansTwoPc.Silo.dll, built with the tests (project reference).</summary>
    private static string SiloDll()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testBin.Parent?.Name ?? "Debug";
        for (var folder = testBin; folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "OrleansTwoPc.sln")))
            {
                var dll = Path.Combine(folder.FullName, "Silo", "bin", configuration, testBin.Name, "OrleansTwoPc.Silo.dll");
                if (File.Exists(dll))
                {
                    return dll;
                }
            }
        }

        throw new FileNotFoundException($"OrleansTwoPc.Silo.dll for {configuration} not found above {testBin.FullName}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
