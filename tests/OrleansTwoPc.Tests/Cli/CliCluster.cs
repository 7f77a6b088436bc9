using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansTwoPc.Client;
using OrleansTwoPc.Faults;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Hosting;
using OrleansTwoPc.Scheduling;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Storage.PostgreSql;
using OrleansTwoPc.Storage.Sqlite;

namespace OrleansTwoPc.Tests.Cli;

/// <summary>
/// One silo hosted in this process and reachable over TCP, as the CLI reaches a real one: localhost clustering on free
/// ports, cluster and service id <c>orleanstwopc</c> (what the CLI's configuration says), memory storage, and two test
/// hooks: <see cref="Stalls"/> holds a chosen transaction at a fault point (an undecided or unfinished transaction on
/// demand), and a participant holds at most one prepared record (<c>TwoPc:MaxPreparedPerParticipant = 1</c>), so
/// back-pressure is easy to reach. (The Orleans test cluster connects its client in memory, with no TCP gateway.)
/// </summary>
public sealed class CliClusterFixture : IAsyncLifetime
{
    private IHost? _silo;

    internal StallPoints Stalls { get; } = new();

    /// <summary>The silo's own client, for arranging and checking state without the CLI.</summary>
    public IClusterClient Client => _silo?.Services.GetRequiredService<IClusterClient>() ?? throw new InvalidOperationException("not started");

    public TransactionClient Transactions => new(Client, new TransactionClientOptions { Deadline = TimeSpan.FromSeconds(30) });

    /// <summary>The silo's gateway as the CLI's <c>--gateway</c> takes it.</summary>
    public string Gateway { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TwoPc:Storage:Provider"] = "Memory",
            ["TwoPc:ParticipantCallTimeout"] = "00:00:03",
            ["TwoPc:MaxPreparedPerParticipant"] = "1",
            // The admin tests show participants' trails of ended operations (the audit setting).
            ["TwoPc:KeepParticipantTrail"] = "true",
        }).Build();
        var (siloPort, gatewayPort) = (FreePort(), FreePort());
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: "orleanstwopc", clusterId: "orleanstwopc");
            silo.Services.AddSingleton<IFaultInjector>(Stalls);
            silo.AddTwoPcAsHosted(configuration);
            // An operator abort of a stalled transaction: let the stalled driver go on once the abort has been noted.
            silo.AddIncomingGrainCallFilter(new ReleaseOnAbort(Stalls));
        });
        _silo = builder.Build();
        await _silo.StartAsync();
        Gateway = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{gatewayPort}");
    }

    public async Task DisposeAsync()
    {
        Stalls.ReleaseAll();
        if (_silo is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _silo.StopAsync(timeout.Token);
            _silo.Dispose();
        }
    }

    /// <summary>A TCP port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// Holds a chosen operation at a chosen <see cref="FaultPoint"/> until released: the coordinator (or participant) there
/// simply waits, leaving exactly the durable state that point describes.
/// </summary>
internal sealed class StallPoints : IFaultInjector
{
    private readonly ConcurrentDictionary<string, Stall> _stalls = new(StringComparer.Ordinal);

    /// <summary>Arms a stall: the first time <paramref name="operationId"/> reaches <paramref name="point"/>, it waits.</summary>
    public Stall Arm(string operationId, FaultPoint point) => _stalls[operationId] = new Stall(point);

    public void Release(string operationId)
    {
        if (_stalls.TryGetValue(operationId, out var stall))
        {
            stall.Release();
        }
    }

    public void ReleaseAll()
    {
        foreach (var stall in _stalls.Values)
        {
            stall.Release();
        }
    }

    public ValueTask AtAsync(FaultPoint point, string operationId) =>
        _stalls.TryGetValue(operationId, out var stall) && stall.Point == point ? new ValueTask(stall.HitAsync()) : ValueTask.CompletedTask;

    public sealed class Stall(FaultPoint point)
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _hit;

        public FaultPoint Point => point;

        /// <summary>Completes when the operation is held at the point.</summary>
        public Task Reached => _reached.Task;

        public void Release() => _released.TrySetResult();

        internal Task HitAsync()
        {
            if (Interlocked.Exchange(ref _hit, 1) == 1)
            {
                return Task.CompletedTask;
            }

            _reached.TrySetResult();
            return _released.Task;
        }
    }
}

/// <summary>Releases a stalled transaction once the coordinator has taken an operator abort of it.</summary>
internal sealed class ReleaseOnAbort(StallPoints stalls) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.Name == nameof(ITransactionCoordinatorGrain.AbortByOperator))
        {
            var call = context.Invoke();
            stalls.Release(context.TargetId.Key.ToString()!);
            await call;
        }
        else
        {
            await context.Invoke();
        }
    }
}

/// <summary>
/// The CLI tests that need the silo. Not run in parallel with anything: one test sets an <c>ORLEANSTWOPC_</c>
/// environment variable (the CLI's documented way to set its deadline), which every CLI run in the process reads.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CliClusterCollection : ICollectionFixture<CliClusterFixture>
{
    public const string Name = "cli cluster";
}
