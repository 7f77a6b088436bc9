using OpenTelemetry.Exporter;

namespace OrleansTwoPc.Silo;

/// <summary>Where the silo sends its OpenTelemetry metrics and traces.</summary>
public enum TelemetryExporter
{
    /// <summary>Nothing is exported; instruments cost next to nothing without a listener.</summary>
    None,

    /// <summary>Printed to standard output: for a look during development, not for production.</summary>
    Console,

    /// <summary>Sent over OTLP to a collector (OpenTelemetry Collector, Jaeger, Prometheus' OTLP receiver, ...).</summary>
    Otlp,
}
