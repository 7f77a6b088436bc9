using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;

namespace OrleansTwoPc.Benchmark.Cluster;

/// <summary>
/// A cluster of silo processes of the shipped silo (<c>OrleansTwoPc.Silo.dll</c>, copied next to the benchmark) on
/// PostgreSQL: grain state and membership in the database that <c>ORLEANSTWOPC_POSTGRES</c> names, the service's
/// defaults otherwise, its own cluster id and service id, and an Orleans client in this process connected to every
/// gateway. Unlike <see cref="BenchCluster"/>, every silo has its own process, runtime, thread pool and garbage collector,
/// and every grain call between silos is serialized and crosses a socket.
/// </summary>
public sealed class SiloProcesses : IAsyncDisposable
{
    private const int SiloPortBase = 22310;
    private const int GatewayPortBase = 32310;
    private const int HttpPortBase = 18310;
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(120);

    private readonly List<(Process Process, StreamWriter Log)> _silos = [];
    private readonly string _connectionString;
    private IHost? _client;

    private SiloProcesses(string clusterId, string logFolder, string connectionString)
    {
        ClusterId = clusterId;
        LogFolder = logFolder;
        _connectionString = connectionString;
    }

    /// <summary>Also the service id: the rows of one run are found and deleted by it.</summary>
    public string ClusterId { get; }

    public string LogFolder { get; }

    public IClusterClient Client => _client?.Services.GetRequiredService<IClusterClient>() ?? throw new InvalidOperationException("not connected");

    /// <summary>Starts <paramref name="count"/> silos, connects, and returns once every silo is active in the membership table.</summary>
    public static async Task<SiloProcesses> StartAsync(int count, string clusterId, string logFolder)
    {
        var connectionString = Environment.GetEnvironmentVariable(StorageTarget.PostgresVariable)
            ?? throw new InvalidOperationException($"{StorageTarget.PostgresVariable} is not set");
        var silo = Path.Combine(AppContext.BaseDirectory, "OrleansTwoPc.Silo.dll");
        if (!File.Exists(silo))
        {
            throw new InvalidOperationException($"{silo} is missing: build the benchmark (it references the Silo project)");
        }

        Directory.CreateDirectory(logFolder);
        var cluster = new SiloProcesses(clusterId, logFolder, connectionString);
        try
        {
            for (var i = 0; i < count; i++)
            {
                cluster.StartSilo(silo, i);
            }

            await cluster.ConnectAsync(count);
            await cluster.WaitActiveAsync(count);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>CPU time the silo processes have used so far, all of them together.</summary>
    public TimeSpan SiloCpu()
    {
        var total = TimeSpan.Zero;
        foreach (var (process, _) in _silos)
        {
            process.Refresh();
            total += process.TotalProcessorTime;
        }

        return total;
    }

    /// <summary>
    /// Rows inserted, updated and deleted in the grain-state table so far, from PostgreSQL's statistics (reported by
    /// each session at the end of its transactions, so a reading can lag by up to a second); null if unreadable.
    /// </summary>
    public async Task<long?> StorageRowWritesAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables WHERE relname = 'orleansstorage'", connection);
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (NpgsqlException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            try
            {
                await _client.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or OrleansException)
            {
            }

            _client.Dispose();
        }

        foreach (var (process, log) in _silos)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
            }

            process.Dispose();
            await log.DisposeAsync();
        }

        await DeleteRowsAsync();
    }

    private void StartSilo(string silo, int index)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = LogFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            silo, "--TwoPc:Storage:Provider=Postgres",
            $"--TwoPc:Cluster:ClusterId={ClusterId}", $"--TwoPc:Cluster:ServiceId={ClusterId}",
            $"--TwoPc:Cluster:SiloPort={SiloPortBase + index}", $"--TwoPc:Cluster:GatewayPort={GatewayPortBase + index}",
            $"--TwoPc:Http:Port={HttpPortBase + index}",
        })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var log = new StreamWriter(Path.Combine(LogFolder, $"silo-{index}.log")) { AutoFlush = true };
        var sync = TextWriter.Synchronized(log);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { sync.WriteLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { sync.WriteLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _silos.Add((process, log));
    }

    private async Task ConnectAsync(int count)
    {
        var gateways = Enumerable.Range(0, count).Select(i => new IPEndPoint(IPAddress.Loopback, GatewayPortBase + i)).ToArray();
        var clock = Stopwatch.StartNew();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client => client
            .UseStaticClustering(gateways)
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ClusterId))
            .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = BenchCluster.ResponseTimeout)
            .UseConnectionRetryFilter(async (_, token) =>
            {
                ThrowIfASiloExited();
                if (clock.Elapsed > StartLimit)
                {
                    return false;
                }

                await Task.Delay(500, token);
                return true;
            }));
        _client = builder.Build();
        await _client.StartAsync();
    }

    private async Task WaitActiveAsync(int count)
    {
        var management = Client.GetGrain<IManagementGrain>(0);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            ThrowIfASiloExited();
            try
            {
                if ((await management.GetHosts(onlyActive: true)).Count >= count)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                // A silo still joining: ask again.
            }

            if (clock.Elapsed > StartLimit)
            {
                throw new TimeoutException($"{count} silos did not all become active within {StartLimit.TotalSeconds:0} s; logs in {LogFolder}");
            }

            await Task.Delay(500);
        }
    }

    private void ThrowIfASiloExited()
    {
        for (var i = 0; i < _silos.Count; i++)
        {
            if (_silos[i].Process.HasExited)
            {
                throw new InvalidOperationException($"silo {i} exited with code {_silos[i].Process.ExitCode}; see {Path.Combine(LogFolder, $"silo-{i}.log")}");
            }
        }
    }

    private async Task DeleteRowsAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync();
            foreach (var sql in new[]
            {
                "DELETE FROM OrleansStorage WHERE ServiceId = @id",
                "DELETE FROM OrleansMembershipTable WHERE DeploymentId = @id",
                "DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @id",
                "VACUUM (ANALYZE) OrleansStorage",
            })
            {
                await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
                if (sql.Contains("@id", StringComparison.Ordinal))
                {
                    command.Parameters.AddWithValue("id", ClusterId);
                }

                await command.ExecuteNonQueryAsync();
            }
        }
        catch (NpgsqlException ex)
        {
            Console.Error.WriteLine($"postgres: could not delete the rows of cluster {ClusterId}: {ex.Message}");
        }
    }
}
