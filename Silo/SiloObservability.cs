using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Dashboard;
using OrleansTwoPc.Diagnostics;

namespace OrleansTwoPc.Silo;

/// <summary>OpenTelemetry export and the Orleans Dashboard, each switched by configuration.</summary>
public static partial class SiloObservability
{
    /// <summary>
    /// Exports the <c>OrleansTwoPc</c> meter (and, when asked, Orleans' own) and the <c>OrleansTwoPc</c> activity source
    /// to <see cref="TelemetryOptions.Exporter"/>; registers nothing with <c>None</c>.
    /// </summary>
    public static IHostApplicationBuilder AddTwoPcTelemetry(this IHostApplicationBuilder builder, TelemetryOptions telemetry)
    {
        telemetry.Validate();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
            new TelemetryLog(sp.GetRequiredService<ILogger<TelemetryLog>>(), telemetry));
        if (telemetry.Exporter == TelemetryExporter.None)
        {
            return builder;
        }

        var intervalMs = (int)telemetry.MetricExportInterval.TotalMilliseconds;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(telemetry.ServiceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(TwoPcInstruments.MeterName);
                if (telemetry.IncludeOrleansMetrics)
                {
                    metrics.AddMeter(TelemetryOptions.OrleansMeterName);
                }

                if (telemetry.Exporter == TelemetryExporter.Console)
                {
                    metrics.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = intervalMs);
                }
                else
                {
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        exporter.Endpoint = telemetry.EndpointFor("metrics");
                        exporter.Protocol = telemetry.OtlpProtocol;
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = intervalMs;
                    });
                }
            })
            .WithTracing(tracing =>
            {
                // The service's phases and the caller's spans, Orleans' grain calls (client and server side, across
                // silos) and ASP.NET Core's HTTP requests: one tree per transaction.
                tracing.AddSource(TwoPcInstruments.ActivitySource.Name, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Microsoft.AspNetCore")
                    .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(telemetry.TraceSampleRatio)));
                if (telemetry.Exporter == TelemetryExporter.Console)
                {
                    tracing.AddConsoleExporter();
                }
                else
                {
                    tracing.AddOtlpExporter(exporter =>
                    {
                        exporter.Endpoint = telemetry.EndpointFor("traces");
                        exporter.Protocol = telemetry.OtlpProtocol;
                    });
                }
            });
        return builder;
    }

    /// <summary>Adds the dashboard's silo services; <see cref="SiloHost"/> serves its pages on the loopback port.</summary>
    public static ISiloBuilder AddTwoPcDashboard(this ISiloBuilder silo, DashboardHostOptions dashboard)
    {
        dashboard.Validate();
        silo.AddDashboard(o =>
        {
            o.CounterUpdateIntervalMs = (int)dashboard.CounterUpdateInterval.TotalMilliseconds;
            o.HistoryLength = dashboard.HistoryLength;
            o.HideTrace = dashboard.HideTrace;
        });
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
            new DashboardLog(sp.GetRequiredService<ILogger<DashboardLog>>(), dashboard));
        return silo;
    }

    /// <summary>Logs, as the silo starts, what telemetry leaves it and where.</summary>
    private sealed partial class TelemetryLog(ILogger<TelemetryLog> logger, TelemetryOptions telemetry) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(TelemetryLog), ServiceLifecycleStage.RuntimeInitialize, _ =>
            {
                if (telemetry.Exporter == TelemetryExporter.None)
                {
                    LogOff(logger);
                }
                else
                {
                    var meters = telemetry.IncludeOrleansMetrics
                        ? $"{TwoPcInstruments.MeterName}, {TelemetryOptions.OrleansMeterName}"
                        : TwoPcInstruments.MeterName;
                    LogExporting(logger, telemetry.Exporter, telemetry.Destination, meters, telemetry.MetricExportInterval,
                        TwoPcInstruments.ActivitySource.Name, telemetry.TraceSampleRatio);
                }

                return Task.CompletedTask;
            });

        [LoggerMessage(EventId = 120, Level = LogLevel.Information,
            Message = "Telemetry export off (set TwoPc:Telemetry:Exporter to Console or Otlp to export metrics and traces)")]
        private static partial void LogOff(ILogger logger);

        [LoggerMessage(EventId = 121, Level = LogLevel.Information,
            Message = "Telemetry export {Exporter} to {Destination}: metrics of meter(s) {Meters} every {Interval}; traces of {Source} (sample ratio {Ratio})")]
        private static partial void LogExporting(ILogger logger, TelemetryExporter exporter, string destination, string meters,
            TimeSpan interval, string source, double ratio);
    }

    /// <summary>Logs where the dashboard is served.</summary>
    private sealed partial class DashboardLog(ILogger<DashboardLog> logger, DashboardHostOptions dashboard) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(DashboardLog), ServiceLifecycleStage.Active, _ =>
            {
                LogDashboard(logger, dashboard.Port, dashboard.HideTrace ? "off" : "on");
                return Task.CompletedTask;
            });

        [LoggerMessage(EventId = 130, Level = LogLevel.Information,
            Message = "Orleans Dashboard at http://localhost:{Port}/ (loopback only, no authentication); live log stream {LogStream}")]
        private static partial void LogDashboard(ILogger logger, int port, string logStream);
    }
}
