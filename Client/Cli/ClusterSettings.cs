using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using OrleansTwoPc.Security;

namespace OrleansTwoPc.Cli;

/// <summary>
/// Where the cluster is and how long to wait for it. Bound from the <c>TwoPc:Cluster</c> configuration section, the
/// same section (and ClusterId/ServiceId/GatewayPort keys) the silo reads, so one setting can serve both.
/// </summary>
internal sealed class ClusterSettings
{
    public const string Section = "TwoPc:Cluster";

    /// <summary>Upper bound of the connect timeout; far beyond any sensible wait, and safe for timers.</summary>
    public static readonly TimeSpan MaxConnectTimeout = TimeSpan.FromDays(1);

    public string ClusterId { get; set; } = "orleanstwopc";

    public string ServiceId { get; set; } = "orleanstwopc";

    public string GatewayHost { get; set; } = "localhost";

    public int GatewayPort { get; set; } = 30000;

    /// <summary>How long to keep trying to connect before reporting the cluster unreachable. Default 10 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The gateway as the user should see it in messages, e.g. <c>localhost:30000</c>.</summary>
    public string Gateway => string.Create(CultureInfo.InvariantCulture, $"{GatewayHost}:{GatewayPort}");

    /// <summary>Reads the section, then applies the command-line options, which win.</summary>
    public static ClusterSettings Load(IConfiguration configuration, string? gateway, double? connectTimeoutSeconds)
    {
        ClusterSettings settings;
        try
        {
            settings = configuration.GetSection(Section).Get<ClusterSettings>() ?? new ClusterSettings();
        }
        catch (InvalidOperationException ex)
        {
            throw new CliException("invalid-configuration", $"invalid configuration: {ex.Message}", ex);
        }

        if (gateway is not null)
        {
            (settings.GatewayHost, settings.GatewayPort) = ParseGateway(gateway);
        }

        if (connectTimeoutSeconds is { } seconds)
        {
            settings.ConnectTimeout = TimeSpan.FromSeconds(seconds);
        }

        settings.Check();
        return settings;
    }

    /// <summary>
    /// The <c>TwoPc:Tls</c> section (the silo reads the same one), with the client certificate and trust anchors
    /// loaded; null when TLS is off. A client certificate is optional: the silos may require one.
    /// </summary>
    /// <exception cref="CliException">A bad value, or a certificate file that cannot be read.</exception>
    public static ClientTls? LoadTls(IConfiguration configuration)
    {
        try
        {
            var settings = TlsSettings.Load(configuration);
            return settings.Enabled
                ? new ClientTls(settings, settings.LoadCertificate(server: false), settings.LoadTrustAnchors())
                : null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IOException or CryptographicException)
        {
            // The first line only: argument exceptions append "Actual value was ..." on a second line. Never the password.
            throw new CliException("invalid-configuration", $"invalid configuration in {TlsSettings.Section}: {ex.Message.Split('\n')[0]}", ex);
        }
    }

    /// <summary>
    /// The gateway's IP endpoint. <c>localhost</c> maps to the IPv4 loopback, where a silo started with localhost
    /// clustering listens; asking DNS could return ::1 first, where nothing listens.
    /// </summary>
    public async Task<IPEndPoint> ResolveAsync(CancellationToken cancellationToken)
    {
        if (GatewayHost.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, GatewayPort);
        }

        if (IPAddress.TryParse(GatewayHost, out var address))
        {
            return new IPEndPoint(address, GatewayPort);
        }

        var addresses = await Dns.GetHostAddressesAsync(GatewayHost, cancellationToken);
        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
        return new IPEndPoint(chosen, GatewayPort);
    }

    private static (string Host, int Port) ParseGateway(string text)
    {
        // The last colon separates the port, so a bracketed IPv6 address ([::1]:30000) works too.
        var colon = text.LastIndexOf(':');
        var host = colon > 0 ? text[..colon].Trim('[', ']') : "";
        if (host.Length == 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            throw new InvalidRequestException("gateway", $"must be host:port with a port from 1 to 65535, e.g. localhost:30000; got '{text}'");
        }

        return (host, port);
    }

    private void Check()
    {
        static CliException Bad(string key, string rule) =>
            new("invalid-configuration", $"invalid configuration: {Section}:{key} {rule}");

        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            throw Bad(nameof(ClusterId), "must not be empty");
        }

        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            throw Bad(nameof(ServiceId), "must not be empty");
        }

        if (string.IsNullOrWhiteSpace(GatewayHost))
        {
            throw Bad(nameof(GatewayHost), "must not be empty");
        }

        if (GatewayPort is < 1 or > 65535)
        {
            throw Bad(nameof(GatewayPort), "must be a port from 1 to 65535");
        }

        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout > MaxConnectTimeout)
        {
            throw Bad(nameof(ConnectTimeout), "must be more than 0 and at most 1 day");
        }
    }
}
