using System.Globalization;
using System.Net;

namespace OrleansTwoPc.Http;

/// <summary>
/// The HTTP API, bound from the <c>TwoPc:Http</c> configuration section. Where it listens is the host's business
/// (the silo: <see cref="Port"/> and <see cref="ListenAddress"/>, or Kestrel's own <c>Kestrel:Endpoints</c> section for
/// TLS); who may call it is decided here.
/// </summary>
public sealed class TwoPcHttpOptions
{
    public const string Section = "TwoPc:Http";

    /// <summary>The role an API key (or a JWT's role claim) needs for the admin endpoints.</summary>
    public const string AdminRole = "admin";

    /// <summary>Whether the silo serves the API. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The port the silo serves the API on, unless <c>Kestrel:Endpoints</c> is configured. Default 8080.</summary>
    public int Port { get; set; } = 8080;

    /// <summary>
    /// The address the silo serves the API on, unless <c>Kestrel:Endpoints</c> is configured: <c>localhost</c> (127.0.0.1
    /// and ::1) or an IP address. Default <c>localhost</c>. Any other address needs <see cref="ApiKeys"/> or <see cref="Jwt"/>.
    /// </summary>
    public string ListenAddress { get; set; } = "localhost";

    /// <summary>
    /// How long <c>POST /transactions</c> waits for the outcome before it answers 202 Accepted with a <c>Location</c>
    /// to poll. The transaction goes on regardless; a retry with the same key joins it. Default 10 seconds.
    /// </summary>
    public TimeSpan Wait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest request body accepted, in bytes; larger ones get 413. Default 65,536 (16 participants need about 2 KB).</summary>
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Recovery registry shards the in-doubt listing and readiness check read; must equal the silos' <c>TwoPc:RecoveryShards</c>. Default that setting, else 8.</summary>
    public int RecoveryShards { get; set; } = 8;

    /// <summary>
    /// Readiness fails while the oldest unfinished transaction in the recovery registry is older than this. The
    /// registry forgets completed entries at its next sweep (<c>TwoPc:RecoveryInterval</c>, 30 s), so keep this well above
    /// that. Default 5 minutes.
    /// </summary>
    public TimeSpan MaxInDoubtAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>API keys, sent as <c>Authorization: Bearer &lt;key&gt;</c>. Empty by default.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>JWT bearer tokens; off unless <see cref="JwtOptions.Authority"/> or <see cref="JwtOptions.SigningKey"/> is set.</summary>
    public JwtOptions Jwt { get; set; } = new();

    /// <summary>True when callers can authenticate (API keys or JWT); then every endpoint needs a caller who did.</summary>
    public bool AuthenticationConfigured => ApiKeys.Count > 0 || Jwt.Enabled;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value (never a key's value).</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Port, 1, $"{Section}:{nameof(Port)}");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535, $"{Section}:{nameof(Port)}");
        if (!string.Equals(ListenAddress, "localhost", StringComparison.OrdinalIgnoreCase) && !IPAddress.TryParse(ListenAddress, out _))
        {
            throw new ArgumentException($"{Section}:{nameof(ListenAddress)} must be localhost or an IP address; got '{ListenAddress}'");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Wait, TimeSpan.FromMilliseconds(1), $"{Section}:{nameof(Wait)}");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Wait, TimeSpan.FromMinutes(10), $"{Section}:{nameof(Wait)}");
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestBodyBytes, 1024, $"{Section}:{nameof(MaxRequestBodyBytes)}");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxRequestBodyBytes, 16 * 1024 * 1024, $"{Section}:{nameof(MaxRequestBodyBytes)}");
        ArgumentOutOfRangeException.ThrowIfLessThan(RecoveryShards, 1, $"{Section}:{nameof(RecoveryShards)}");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RecoveryShards, 1024, $"{Section}:{nameof(RecoveryShards)}");
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInDoubtAge, TimeSpan.FromSeconds(1), $"{Section}:{nameof(MaxInDoubtAge)}");
        for (var i = 0; i < ApiKeys.Count; i++)
        {
            ApiKeys[i].Validate(string.Create(CultureInfo.InvariantCulture, $"{Section}:{nameof(ApiKeys)}:{i}"));
        }

        if (ApiKeys.Select(k => k.Key).Distinct(StringComparer.Ordinal).Count() != ApiKeys.Count)
        {
            throw new ArgumentException($"{Section}:{nameof(ApiKeys)}: two entries have the same key");
        }

        Jwt.Validate();
    }

    /// <summary>
    /// The anonymous-access rule: with no API keys and no JWT configured, the transaction endpoints are open, which is
    /// safe only while every address the API listens on is a loopback one. Throws naming the first other address.
    /// </summary>
    /// <param name="urls">Every URL the API listens on (e.g. <c>http://localhost:8080</c>, <c>https://0.0.0.0:8443</c>).</param>
    /// <exception cref="InvalidOperationException">A non-loopback address, and nobody could authenticate.</exception>
    public void RequireAuthenticationOffLoopback(IEnumerable<string> urls)
    {
        if (AuthenticationConfigured)
        {
            return;
        }

        foreach (var url in urls)
        {
            if (!IsLoopback(url))
            {
                throw new InvalidOperationException(
                    $"refusing to start: the HTTP API would listen on {url}, which is not a loopback address, and no caller can " +
                    $"authenticate, so anyone who reaches it could move money. Configure API keys ({Section}:{nameof(ApiKeys)}) or JWT " +
                    $"bearer ({Section}:{nameof(Jwt)}), or listen on localhost only ({Section}:{nameof(ListenAddress)}=localhost).");
            }
        }
    }

    /// <summary>Whether <paramref name="url"/>'s host is <c>localhost</c> or a loopback IP address (<c>*</c>, <c>+</c> and 0.0.0.0 are not).</summary>
    public static bool IsLoopback(string url)
    {
        var rest = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
        var end = rest.IndexOfAny(['/', '?']);
        var authority = end < 0 ? rest : rest[..end];
        string host;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            host = close < 0 ? authority : authority[1..close];
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
        }

        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}

/// <summary>One API key: who it is (for logs), the secret, and its roles.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>A name for the caller, logged and used as the user name; never the key.</summary>
    public string Name { get; set; } = "";

    /// <summary>The secret the caller sends as <c>Authorization: Bearer &lt;key&gt;</c>. At least 16 characters. Never logged.</summary>
    public string Key { get; set; } = "";

    /// <summary>Roles, e.g. <c>admin</c> for the admin endpoints. Default none (the transaction endpoints only).</summary>
    public List<string> Roles { get; set; } = [];

    public void Validate(string at)
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException($"{at}:{nameof(Name)} must not be empty");
        }

        if (Key.Length < 16 || Key.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"{at}:{nameof(Key)} (of '{Name}') must be at least 16 characters without spaces");
        }
    }

    public override string ToString() => $"{Name} (roles: {string.Join(", ", Roles)}; key redacted)";
}

/// <summary>JWT bearer validation. Tokens carry roles in <see cref="RoleClaim"/>.</summary>
public sealed class JwtOptions
{
    /// <summary>The token issuer's OpenID Connect authority (its signing keys are fetched from there), e.g. https://login.example.com/realm. Default none.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience tokens must name. Required when JWT is on.</summary>
    public string? Audience { get; set; }

    /// <summary>The issuer tokens must name; default the authority.</summary>
    public string? Issuer { get; set; }

    /// <summary>
    /// A symmetric signing key (base64, at least 32 bytes) instead of an authority, for a token issuer of your own.
    /// Never logged.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>The claim that holds roles. Default <c>role</c>.</summary>
    public string RoleClaim { get; set; } = "role";

    public bool Enabled => !string.IsNullOrEmpty(Authority) || !string.IsNullOrEmpty(SigningKey);

    public void Validate()
    {
        if (!Enabled)
        {
            return;
        }

        const string at = TwoPcHttpOptions.Section + ":Jwt";
        if (string.IsNullOrWhiteSpace(Audience))
        {
            throw new ArgumentException($"{at}:{nameof(Audience)} is required when JWT bearer is on");
        }

        if (Authority is { Length: > 0 } && !Uri.TryCreate(Authority, UriKind.Absolute, out _))
        {
            throw new ArgumentException($"{at}:{nameof(Authority)} must be an absolute URL; got '{Authority}'");
        }

        if (SigningKey is { Length: > 0 })
        {
            var bytes = new byte[SigningKey.Length];
            if (!Convert.TryFromBase64String(SigningKey, bytes, out var length) || length < 32)
            {
                throw new ArgumentException($"{at}:{nameof(SigningKey)} must be base64 of at least 32 bytes");
            }

            if (string.IsNullOrWhiteSpace(Issuer) && string.IsNullOrWhiteSpace(Authority))
            {
                throw new ArgumentException($"{at}:{nameof(Issuer)} is required with a {nameof(SigningKey)}");
            }
        }
    }
}
