using OpenTelemetry.Exporter;

namespace OrleansTwoPc.Silo;

/// <summary>
/// OpenTelemetry export for the silo. Bound from the <c>TwoPc:Telemetry</c> configuration section. Exports the
/// product's meter and activity source, both named <c>OrleansTwoPc</c> (see <c>docs/operations.md</c>).
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "TwoPc:Telemetry";

    /// <summary>Orleans' own meter (messaging, activations, storage, ...), exported with <see cref="IncludeOrleansMetrics"/>.</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary><c>None</c>, <c>Console</c> or <c>Otlp</c>. Default <c>None</c>.</summary>
    public TelemetryExporter Exporter { get; set; } = TelemetryExporter.None;

    /// <summary>
    /// The OTLP collector: with <see cref="OtlpProtocol"/> <c>Grpc</c> the gRPC endpoint, with <c>HttpProtobuf</c> the
    /// base address to which <c>v1/metrics</c> and <c>v1/traces</c> are appended. Default <c>http://localhost:4317</c>
    /// (a collector's gRPC port on this host; its HTTP port is 4318).
    /// </summary>
    public Uri OtlpEndpoint { get; set; } = new("http://localhost:4317");

    /// <summary><c>Grpc</c> or <c>HttpProtobuf</c>. Default <c>Grpc</c>.</summary>
    public OtlpExportProtocol OtlpProtocol { get; set; } = OtlpExportProtocol.Grpc;

    /// <summary>How often metrics are collected and exported. Default 10 seconds.</summary>
    public TimeSpan MetricExportInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Also export Orleans' own meter (<c>Microsoft.Orleans</c>). Default false.</summary>
    public bool IncludeOrleansMetrics { get; set; }

    /// <summary>
    /// Fraction of transactions whose phase spans are recorded, from 0 to 1; a span whose parent was sampled is
    /// always recorded. Default 1 (every transaction).
    /// </summary>
    public double TraceSampleRatio { get; set; } = 1.0;

    /// <summary>The <c>service.name</c> resource attribute. Default <c>orleanstwopc</c>.</summary>
    public string ServiceName { get; set; } = "orleanstwopc";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Exporter))
        {
            throw new ArgumentOutOfRangeException(nameof(Exporter), Exporter, "must be None, Console or Otlp");
        }

        if (!Enum.IsDefined(OtlpProtocol))
        {
            throw new ArgumentOutOfRangeException(nameof(OtlpProtocol), OtlpProtocol, "must be Grpc or HttpProtobuf");
        }

        if (OtlpEndpoint is not { IsAbsoluteUri: true } || (OtlpEndpoint.Scheme != Uri.UriSchemeHttp && OtlpEndpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"OtlpEndpoint must be an absolute http or https address; got '{OtlpEndpoint}'", nameof(OtlpEndpoint));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MetricExportInterval, TimeSpan.FromSeconds(1), nameof(MetricExportInterval));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MetricExportInterval, TimeSpan.FromHours(1), nameof(MetricExportInterval));
        if (double.IsNaN(TraceSampleRatio) || TraceSampleRatio is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(TraceSampleRatio), TraceSampleRatio, "must be from 0 to 1");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(ServiceName, nameof(ServiceName));
    }

    /// <summary>The endpoint of one signal: gRPC uses the address as is, HTTP appends the signal's path.</summary>
    public Uri EndpointFor(string signal) => OtlpProtocol == OtlpExportProtocol.HttpProtobuf
        ? new Uri(new Uri(OtlpEndpoint.AbsoluteUri.TrimEnd('/') + "/"), "v1/" + signal)
        : OtlpEndpoint;

    /// <summary>Where the export goes, for the log: user information of the address is left out.</summary>
    public string Destination => Exporter switch
    {
        TelemetryExporter.Console => "standard output",
        TelemetryExporter.Otlp => $"OTLP/{OtlpProtocol} {OtlpEndpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)}",
        _ => "nowhere",
    };
}
