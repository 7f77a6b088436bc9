using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Orleans.Connections.Security;

namespace OrleansTwoPc.Security;

/// <summary>
/// TLS for silo-to-silo and client-to-gateway connections (Microsoft.Orleans.Connections.Security). Bound from the
/// <c>TwoPc:Tls</c> configuration section, which the silo and the CLI both read, so one setting can serve both.
/// This file is compiled into the silo and into the CLI (linked from Client.csproj); it is internal to each.
/// <para>
/// A certificate comes from a file (<see cref="CertificatePath"/>: PKCS#12 <c>.pfx</c>/<c>.p12</c>, or PEM with the key
/// in the same file or in <see cref="CertificateKeyPath"/>) or from the certificate store (<see cref="StoreSubject"/>).
/// The peer's certificate is accepted when it is, or chains to, a certificate of <see cref="TrustedCertificatePath"/> (a
/// private CA, or the one self-signed certificate every node shares); without it, when the operating system trusts it and it raises no
/// TLS policy error at all. With a private trust anchor the host name is not checked: silos reach each other by IP
/// address, so the anchor, not the name, is the cluster's identity — keep that anchor for this cluster only.
/// </para>
/// </summary>
internal sealed class TlsSettings
{
    public const string Section = "TwoPc:Tls";

    /// <summary>Whether connections use TLS. Every silo and client of a cluster must agree. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// This node's certificate file: PKCS#12 (<c>.pfx</c>, <c>.p12</c>) or PEM. Needs its private key; its Extended
    /// Key Usage, if any, must include server authentication on a silo and client authentication wherever a client
    /// certificate is presented (silos present theirs to each other). Default none.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key, when <see cref="CertificatePath"/> is a PEM file without it. Default none.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>
    /// Password of the PKCS#12 file or of an encrypted PEM key. A secret: pass it through the environment
    /// (<c>ORLEANSTWOPC_TwoPc__Tls__CertificatePassword</c>), never on the command line; it is never logged. Default none.
    /// </summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Instead of a file: the subject of a certificate in the store (the newest valid match). Default none.</summary>
    public string? StoreSubject { get; set; }

    /// <summary>Store searched for <see cref="StoreSubject"/>. Default <c>My</c>.</summary>
    public StoreName StoreName { get; set; } = StoreName.My;

    /// <summary>Store location searched for <see cref="StoreSubject"/>. Default <c>CurrentUser</c>.</summary>
    public StoreLocation StoreLocation { get; set; } = StoreLocation.CurrentUser;

    /// <summary>
    /// PEM or DER file with the certificate(s) a peer's certificate must be or chain to: the cluster's CA, or the
    /// shared self-signed certificate itself. Default none: the operating system's trust store decides.
    /// </summary>
    public string? TrustedCertificatePath { get; set; }

    /// <summary>
    /// Silo only: whether connecting clients (and silos) must present a trusted certificate (mutual TLS). With false
    /// a client without a certificate may connect; one that presents a certificate must still present a trusted one.
    /// Default true.
    /// </summary>
    public bool RequireClientCertificate { get; set; } = true;

    /// <summary>Longest TLS handshake before the connection is dropped. Default 10 seconds.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Reads the section; throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public static TlsSettings Load(IConfiguration configuration)
    {
        var settings = configuration.GetSection(Section).Get<TlsSettings>() ?? new TlsSettings();
        settings.Validate();
        return settings;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value; checks files only when enabled.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(HandshakeTimeout, TimeSpan.FromMilliseconds(100), nameof(HandshakeTimeout));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(HandshakeTimeout, TimeSpan.FromMinutes(5), nameof(HandshakeTimeout));
        if (!Enabled)
        {
            return;
        }

        var fromFile = !string.IsNullOrWhiteSpace(CertificatePath);
        var fromStore = !string.IsNullOrWhiteSpace(StoreSubject);
        if (fromFile && fromStore)
        {
            throw new ArgumentException("set CertificatePath or StoreSubject, not both", nameof(CertificatePath));
        }

        if (!string.IsNullOrWhiteSpace(CertificateKeyPath) && !fromFile)
        {
            throw new ArgumentException("CertificateKeyPath needs CertificatePath", nameof(CertificateKeyPath));
        }

        MustExist(CertificatePath, nameof(CertificatePath));
        MustExist(CertificateKeyPath, nameof(CertificateKeyPath));
        MustExist(TrustedCertificatePath, nameof(TrustedCertificatePath));
    }

    /// <summary>Whether a certificate of this node is configured (a client may run TLS without one).</summary>
    public bool HasCertificate => !string.IsNullOrWhiteSpace(CertificatePath) || !string.IsNullOrWhiteSpace(StoreSubject);

    /// <summary>Loads this node's certificate, or null when none is configured.</summary>
    /// <param name="server">Whether it must serve (a silo) rather than only authenticate a client.</param>
    public X509Certificate2? LoadCertificate(bool server)
    {
        if (!string.IsNullOrWhiteSpace(StoreSubject))
        {
            // A certificate chaining to a private anchor fails the store's own chain check; let the anchor decide.
            return CertificateLoader.LoadFromStoreCert(StoreSubject, StoreName.ToString(), StoreLocation,
                allowInvalid: !string.IsNullOrWhiteSpace(TrustedCertificatePath), server);
        }

        if (string.IsNullOrWhiteSpace(CertificatePath))
        {
            return null;
        }

        var certificate = IsPkcs12(CertificatePath)
            ? X509CertificateLoader.LoadPkcs12FromFile(CertificatePath, CertificatePassword)
            : LoadPem(CertificatePath, CertificateKeyPath, CertificatePassword);
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new ArgumentException($"{Section}:CertificatePath: the certificate in '{CertificatePath}' has no private key");
        }

        return certificate;
    }

    /// <summary>The trust anchors of <see cref="TrustedCertificatePath"/>, or null to use the operating system's.</summary>
    public X509Certificate2Collection? LoadTrustAnchors()
    {
        if (string.IsNullOrWhiteSpace(TrustedCertificatePath))
        {
            return null;
        }

        var anchors = new X509Certificate2Collection();
        if (File.ReadAllText(TrustedCertificatePath).Contains("-----BEGIN", StringComparison.Ordinal))
        {
            anchors.ImportFromPemFile(TrustedCertificatePath);
        }
        else
        {
            anchors.Add(X509CertificateLoader.LoadCertificateFromFile(TrustedCertificatePath));
        }

        if (anchors.Count == 0)
        {
            throw new ArgumentException($"no certificate in '{TrustedCertificatePath}'", nameof(TrustedCertificatePath));
        }

        return anchors;
    }

    /// <summary>
    /// Fills Orleans' TLS options. <paramref name="server"/>: a silo (serves the silo and gateway ports, and dials other
    /// silos presenting its certificate); otherwise a client, which presents its certificate only when it has one.
    /// </summary>
    public void ApplyTo(TlsOptions options, X509Certificate2? certificate, X509Certificate2Collection? anchors, bool server)
    {
        options.LocalCertificate = certificate;
        options.HandshakeTimeout = HandshakeTimeout;
        if (server)
        {
            // One TlsOptions serves the inbound silo and gateway ports and the outbound silo connections. Inbound,
            // RemoteCertificateMode is the client-certificate rule; outbound, a TLS server always presents one anyway.
            // ClientCertificateMode: what this silo presents when it dials another silo.
            var mode = RequireClientCertificate ? RemoteCertificateMode.RequireCertificate : RemoteCertificateMode.AllowCertificate;
            options.RemoteCertificateMode = mode;
            options.ClientCertificateMode = mode;
        }
        else
        {
            options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.ClientCertificateMode = certificate is null ? RemoteCertificateMode.NoCertificate : RemoteCertificateMode.RequireCertificate;
        }

        if (anchors is not null)
        {
            options.RemoteCertificateValidation = (remote, chain, _) => IsTrusted(remote, chain, anchors);
        }
    }

    /// <summary>Where trust comes from, for the startup log.</summary>
    public static string DescribeTrust(X509Certificate2Collection? anchors) => anchors is null
        ? "the operating system's trust store"
        : string.Join(", ", anchors.Select(a => a.Subject));

    /// <summary>One line about a certificate for logs: subject, thumbprint, expiry. Never key material.</summary>
    public static string Describe(X509Certificate2 certificate) =>
        string.Create(CultureInfo.InvariantCulture, $"{certificate.Subject} (thumbprint {certificate.Thumbprint}, expires {certificate.NotAfter:yyyy-MM-dd})");

    /// <summary>
    /// Whether <paramref name="certificate"/> is one of <paramref name="anchors"/> (a shared self-signed certificate,
    /// pinned) or chains to one of them (a private CA), within its validity period; no revocation check.
    /// </summary>
    public static bool IsTrusted(X509Certificate2 certificate, X509Chain? presented, X509Certificate2Collection anchors)
    {
        var now = DateTime.Now;
        if (anchors.Any(a => a.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span)))
        {
            // A self-signed end-entity certificate cannot be a chain root (it may not sign certificates): pin it.
            return certificate.NotBefore <= now && now <= certificate.NotAfter;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate);
    }

    private static bool IsPkcs12(string path) =>
        path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);

    private static X509Certificate2 LoadPem(string certificatePath, string? keyPath, string? password)
    {
        var key = string.IsNullOrWhiteSpace(keyPath) ? null : keyPath;
        using var pem = string.IsNullOrEmpty(password)
            ? X509Certificate2.CreateFromPemFile(certificatePath, key)
            : X509Certificate2.CreateFromEncryptedPemFile(certificatePath, password, key);
        // SslStream on Windows cannot use the ephemeral key of a PEM import; a PKCS#12 round trip works everywhere.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static void MustExist(string? path, string name)
    {
        if (!string.IsNullOrWhiteSpace(path) && !File.Exists(path))
        {
            throw new ArgumentException($"file not found: '{path}'", name);
        }
    }
}
