using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using OrleansTwoPc.Security;

namespace OrleansTwoPc.Cli;

/// <summary>TLS for the CLI's gateway connection: the settings, this client's certificate (if any), and the trust anchors.</summary>
internal sealed record ClientTls(TlsSettings Settings, X509Certificate2? Certificate, X509Certificate2Collection? Anchors);
