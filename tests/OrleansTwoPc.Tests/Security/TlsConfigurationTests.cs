using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OrleansTwoPc.Cli;
using OrleansTwoPc.Silo;

namespace OrleansTwoPc.Tests.Security;

/// <summary>A silo or CLI with a bad <c>TwoPc:Tls</c> section fails at start with a message naming it, never the password.</summary>
public sealed class TlsConfigurationTests : IDisposable
{
    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public void Tls_off_by_default_configures_nothing()
    {
        var exception = Record.Exception(() => BuildSilo([]));
        Assert.Null(exception);
    }

    [Fact]
    public void Silo_needs_a_certificate()
    {
        var error = Assert.Throws<ArgumentException>(() => BuildSilo(new() { ["TwoPc:Tls:Enabled"] = "true" }));
        Assert.Contains("needs a certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_certificate_file_is_named()
    {
        var settings = TestCertificates.Settings("/nonexistent/silo.pfx", _certificates.ClusterPem);
        var error = Assert.Throws<ArgumentException>(() => BuildSilo(settings));
        Assert.Contains("/nonexistent/silo.pfx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Certificate_without_client_authentication_is_refused_when_silos_require_client_certificates()
    {
        var settings = TestCertificates.Settings(_certificates.ServerOnlyPfx, _certificates.ClusterPem);
        var error = Assert.Throws<ArgumentException>(() => BuildSilo(settings));
        Assert.Contains("client authentication", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Certificate_without_client_authentication_serves_when_client_certificates_are_optional()
    {
        var settings = TestCertificates.Settings(_certificates.ServerOnlyPfx, _certificates.ClusterPem, requireClientCertificate: false);
        Assert.Null(Record.Exception(() => BuildSilo(settings)));
    }

    [Fact]
    public async Task Cli_reports_a_wrong_password_as_bad_configuration_without_the_password()
    {
        var settings = TlsClusterFixture.CliSettings(TestCertificates.Settings(_certificates.ClusterPfx, _certificates.ClusterPem));
        settings["TwoPc:Tls:CertificatePassword"] = "not-the-password-8f3a";

        var error = await Assert.ThrowsAsync<CliException>(() =>
            ClusterConnection.ConnectAsync("127.0.0.1:1", 1, settings, CancellationToken.None));

        Assert.Equal("invalid-configuration", error.Type);
        Assert.StartsWith("invalid configuration in TwoPc:Tls:", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password-8f3a", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TestCertificates.Password, error.Message, StringComparison.Ordinal);
    }

    // Configures (and builds, not starts) a silo host with only the TLS part under test.
    private static void BuildSilo(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(silo => silo.UseLocalhostClustering().UseTwoPcTls(configuration));
        using var host = builder.Build();
    }
}
