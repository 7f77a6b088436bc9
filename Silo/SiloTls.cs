using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansTwoPc.Security;

namespace OrleansTwoPc.Silo;

/// <summary>TLS on the silo's two ports (silo-to-silo and gateway) and on its connections to other silos.</summary>
public static partial class SiloTls
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>
    /// With <c>TwoPc:Tls:Enabled</c>, loads the certificate and trust anchors now (a bad file fails the start, not the
    /// first connection) and puts TLS on every silo connection; without it, does nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A bad <c>TwoPc:Tls</c> value, or a certificate that cannot serve.</exception>
    public static ISiloBuilder UseTwoPcTls(this ISiloBuilder silo, IConfiguration configuration)
    {
        var tls = TlsSettings.Load(configuration);
        if (!tls.Enabled)
        {
            return silo;
        }

        if (!tls.HasCertificate)
        {
            throw new ArgumentException($"{TlsSettings.Section}: a silo needs a certificate: set CertificatePath or StoreSubject");
        }

        var certificate = tls.LoadCertificate(server: true)!;
        CheckUsage(certificate, ServerAuthentication, "server authentication");
        if (tls.RequireClientCertificate)
        {
            // Silos present their certificate to each other as clients.
            CheckUsage(certificate, ClientAuthentication, "client authentication (silos present it to each other)");
        }

        var anchors = tls.LoadTrustAnchors();
        silo.UseTls(options => tls.ApplyTo(options, certificate, anchors, server: true));
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => new TlsLog(
            sp.GetRequiredService<ILogger<TlsLog>>(), TlsSettings.Describe(certificate),
            tls.RequireClientCertificate ? "required" : "optional", TlsSettings.DescribeTrust(anchors)));
        return silo;
    }

    // Orleans refuses such a certificate only when the first connection is set up, with a terse message.
    private static void CheckUsage(X509Certificate2 certificate, string oid, string usage)
    {
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (usages is not null && !usages.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(u => u.Value == oid))
        {
            throw new ArgumentException(
                $"{TlsSettings.Section}: certificate {certificate.Subject} has an Extended Key Usage without {usage} ({oid})");
        }
    }

    /// <summary>Logs, as the silo starts, that its connections use TLS and with what (never a password or key).</summary>
    private sealed partial class TlsLog(ILogger<TlsLog> logger, string certificate, string clientCertificates, string trust)
        : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(TlsLog), ServiceLifecycleStage.RuntimeInitialize, _ =>
            {
                LogTls(logger, certificate, clientCertificates, trust);
                return Task.CompletedTask;
            });

        [LoggerMessage(EventId = 110, Level = LogLevel.Information,
            Message = "TLS on silo and gateway connections: certificate {Certificate}; client certificates {ClientCertificates}; trusted: {Trust}")]
        private static partial void LogTls(ILogger logger, string certificate, string clientCertificates, string trust);
    }
}
