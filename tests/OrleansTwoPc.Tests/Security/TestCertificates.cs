using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansTwoPc.Tests.Security;

/// <summary>
/// Self-signed certificates made in the test, written to a scratch folder as the product reads them: the cluster's
/// certificate (PKCS#12 with a password, and its public half as PEM to trust), and a stranger's that nobody trusts.
/// ECDSA P-256 keys: made in milliseconds.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public const string Password = "test-only-password";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "twopc-tls-" + Guid.NewGuid().ToString("N"));

    public TestCertificates()
    {
        Directory.CreateDirectory(_folder);
        Cluster = Create("CN=orleanstwopc test cluster");
        Stranger = Create("CN=stranger");
        ClusterPfx = Write("cluster.pfx", Cluster.Export(X509ContentType.Pfx, Password));
        ClusterPem = Write("cluster.pem", Cluster.ExportCertificatePem());
        StrangerPfx = Write("stranger.pfx", Stranger.Export(X509ContentType.Pfx, Password));
        StrangerPem = Write("stranger.pem", Stranger.ExportCertificatePem());
        ServerOnly = Create("CN=server only", clientAuthentication: false);
        ServerOnlyPfx = Write("server-only.pfx", ServerOnly.Export(X509ContentType.Pfx, Password));
    }

    /// <summary>The certificate every silo and trusted client presents; also the trust anchor.</summary>
    public X509Certificate2 Cluster { get; }

    public X509Certificate2 Stranger { get; }

    /// <summary>Server authentication only (no client authentication usage).</summary>
    public X509Certificate2 ServerOnly { get; }

    public string ClusterPfx { get; }

    public string ClusterPem { get; }

    public string StrangerPfx { get; }

    public string StrangerPem { get; }

    public string ServerOnlyPfx { get; }

    /// <summary>TLS settings (section <c>TwoPc:Tls</c>) presenting <paramref name="pfx"/> and trusting <paramref name="trusted"/>.</summary>
    public static Dictionary<string, string?> Settings(string? pfx, string? trusted, bool requireClientCertificate = true)
    {
        var settings = new Dictionary<string, string?>
        {
            ["TwoPc:Tls:Enabled"] = "true",
            ["TwoPc:Tls:RequireClientCertificate"] = requireClientCertificate ? "true" : "false",
            ["TwoPc:Tls:HandshakeTimeout"] = "00:00:05",
        };
        if (pfx is not null)
        {
            settings["TwoPc:Tls:CertificatePath"] = pfx;
            settings["TwoPc:Tls:CertificatePassword"] = Password;
        }

        if (trusted is not null)
        {
            settings["TwoPc:Tls:TrustedCertificatePath"] = trusted;
        }

        return settings;
    }

    public void Dispose()
    {
        Cluster.Dispose();
        Stranger.Dispose();
        ServerOnly.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static X509Certificate2 Create(string subject, bool clientAuthentication = true)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var usages = new OidCollection { new("1.3.6.1.5.5.7.3.1") };
        if (clientAuthentication)
        {
            usages.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }
}
