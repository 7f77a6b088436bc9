using OpenTelemetry.Exporter;
using OrleansTwoPc.Silo;

namespace OrleansTwoPc.Tests.Observability;

public sealed class ObservabilityOptionsTests
{
    [Fact]
    public void Defaults_export_nothing_and_keep_the_dashboard_off()
    {
        var telemetry = new TelemetryOptions();
        var dashboard = new DashboardHostOptions();
        telemetry.Validate();
        dashboard.Validate();

        Assert.Equal(TelemetryExporter.None, telemetry.Exporter);
        Assert.Equal(new Uri("http://localhost:4317"), telemetry.OtlpEndpoint);
        Assert.Equal(TimeSpan.FromSeconds(10), telemetry.MetricExportInterval);
        Assert.False(dashboard.Enabled);
        Assert.Equal(8081, dashboard.Port);
        Assert.True(dashboard.HideTrace);
    }

    [Fact]
    public void Otlp_over_http_appends_the_signal_path()
    {
        var telemetry = new TelemetryOptions { OtlpProtocol = OtlpExportProtocol.HttpProtobuf, OtlpEndpoint = new Uri("http://collector:4318") };

        Assert.Equal(new Uri("http://collector:4318/v1/metrics"), telemetry.EndpointFor("metrics"));
        Assert.Equal(new Uri("http://collector:4318/v1/traces"), telemetry.EndpointFor("traces"));
        Assert.Equal(new Uri("http://collector:4318"), new TelemetryOptions { OtlpEndpoint = new Uri("http://collector:4318") }.EndpointFor("traces"));
    }

    [Fact]
    public void Destination_leaves_out_credentials_in_the_endpoint()
    {
        var telemetry = new TelemetryOptions { Exporter = TelemetryExporter.Otlp, OtlpEndpoint = new Uri("https://user:secret@collector:4317") };

        Assert.DoesNotContain("secret", telemetry.Destination, StringComparison.Ordinal);
        Assert.Contains("collector:4317", telemetry.Destination, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MetricExportInterval")]
    [InlineData("TraceSampleRatio")]
    [InlineData("OtlpEndpoint")]
    public void Bad_telemetry_values_are_refused(string property)
    {
        var telemetry = new TelemetryOptions();
        switch (property)
        {
            case "MetricExportInterval":
                telemetry.MetricExportInterval = TimeSpan.FromMilliseconds(10);
                break;
            case "TraceSampleRatio":
                telemetry.TraceSampleRatio = 1.5;
                break;
            default:
                telemetry.OtlpEndpoint = new Uri("ftp://collector");
                break;
        }

        var error = Assert.ThrowsAny<ArgumentException>(telemetry.Validate);
        Assert.Equal(property, error.ParamName);
    }

    [Fact]
    public void Bad_dashboard_values_are_refused()
    {
        Assert.ThrowsAny<ArgumentException>(new DashboardHostOptions { Port = 0 }.Validate);
        Assert.ThrowsAny<ArgumentException>(new DashboardHostOptions { CounterUpdateInterval = TimeSpan.FromMilliseconds(500) }.Validate);
    }
}
