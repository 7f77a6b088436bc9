using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using OrleansTwoPc.Silo;

namespace OrleansTwoPc.Tests.Observability;

/// <summary>
/// The shipped silo host (<see cref="SiloHost"/>, what <c>dotnet run --project Silo</c> runs) started in this process
/// on free ports with memory storage, the console telemetry exporter and the dashboard on. Test exporters are added
/// next to the console one, so the tests read exactly what the configured pipeline exports.
/// </summary>
public sealed class SiloHostFixture : IAsyncLifetime
{
    public const string ClusterId = "twopc-observability";

    private IHost? _host;

    public int SiloPort { get; } = FreePort();

    public int GatewayPort { get; } = FreePort();

    public int DashboardPort { get; } = FreePort();

    public int HttpPort { get; } = FreePort();

    public string Gateway => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{GatewayPort}");

    public IHost Host => _host ?? throw new InvalidOperationException("not started");

    public MetricCapture Metrics { get; } = new();

    public SpanCapture Spans { get; } = new();

    /// <summary>The CLI's configuration for this silo's cluster ids.</summary>
    public static Dictionary<string, string?> CliSettings() => new()
    {
        ["TwoPc:Cluster:ClusterId"] = ClusterId,
        ["TwoPc:Cluster:ServiceId"] = ClusterId,
    };

    public async Task InitializeAsync()
    {
        string[] args =
        [
            "--TwoPc:Storage:Provider=Memory",
            $"--TwoPc:Cluster:ClusterId={ClusterId}", $"--TwoPc:Cluster:ServiceId={ClusterId}",
            $"--TwoPc:Cluster:SiloPort={SiloPort}", $"--TwoPc:Cluster:GatewayPort={GatewayPort}",
            "--TwoPc:Telemetry:Exporter=Console",
            // The tests flush on demand; a long interval keeps the console exporter quiet meanwhile.
            "--TwoPc:Telemetry:MetricExportInterval=00:10:00",
            "--TwoPc:Dashboard:Enabled=true", $"--TwoPc:Dashboard:Port={DashboardPort}",
            $"--TwoPc:Http:Port={HttpPort}",
            "--Logging:LogLevel:Default=Warning",
        ];
        _host = SiloHost.Build(args, builder =>
        {
            builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddReader(new BaseExportingMetricReader(Metrics)));
            builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddProcessor(new SimpleActivityExportProcessor(Spans)));
        });
        await _host.StartAsync();
    }

    /// <summary>Collects and exports the metrics now (every reader, the console's too).</summary>
    public void FlushMetrics() => Assert.True(Host.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000));

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _host.StopAsync(stop.Token);
            _host.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One exported metric point: its metric, tags, and value (sum, or count for a histogram).</summary>
public sealed record MetricPointSnapshot(string Metric, IReadOnlyDictionary<string, object?> Tags, double Value, long Count);

/// <summary>Keeps copies of every exported metric point (the SDK reuses its objects after the export returns).</summary>
public sealed class MetricCapture : BaseExporter<Metric>
{
    private readonly ConcurrentQueue<MetricPointSnapshot> _points = new();

    public IReadOnlyList<MetricPointSnapshot> Points => [.. _points];

    public override ExportResult Export(in Batch<Metric> batch)
    {
        foreach (var metric in batch)
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var tags = new Dictionary<string, object?>();
                foreach (var tag in point.Tags)
                {
                    tags[tag.Key] = tag.Value;
                }

                var (value, count) = metric.MetricType switch
                {
                    MetricType.LongSum => ((double)point.GetSumLong(), 0L),
                    MetricType.DoubleSum => (point.GetSumDouble(), 0L),
                    MetricType.LongGauge => ((double)point.GetGaugeLastValueLong(), 0L),
                    MetricType.DoubleGauge => (point.GetGaugeLastValueDouble(), 0L),
                    MetricType.Histogram => (point.GetHistogramSum(), point.GetHistogramCount()),
                    _ => (double.NaN, 0L),
                };
                _points.Enqueue(new MetricPointSnapshot(metric.Name, tags, value, count));
            }
        }

        return ExportResult.Success;
    }
}

/// <summary>Keeps every exported span's name and tags.</summary>
public sealed class SpanCapture : BaseExporter<Activity>
{
    private readonly ConcurrentQueue<(string Name, string Source, IReadOnlyDictionary<string, string?> Tags)> _spans = new();

    public IReadOnlyList<(string Name, string Source, IReadOnlyDictionary<string, string?> Tags)> Spans => [.. _spans];

    public override ExportResult Export(in Batch<Activity> batch)
    {
        foreach (var activity in batch)
        {
            _spans.Enqueue((activity.DisplayName, activity.Source.Name,
                activity.Tags.ToDictionary(t => t.Key, t => t.Value)));
        }

        return ExportResult.Success;
    }
}
