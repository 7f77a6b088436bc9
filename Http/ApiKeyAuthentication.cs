using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansTwoPc.Http;

/// <summary>
/// <c>Authorization: Bearer &lt;API key&gt;</c> against <see cref="TwoPcHttpOptions.ApiKeys"/>. Keys are kept as SHA-256
/// hashes and compared in constant time. Also answers every challenge and refusal of the API (JWT's included) with
/// Problem Details that say what is missing.
/// </summary>
internal sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggers,
    UrlEncoder encoder,
    IOptions<TwoPcHttpOptions> options) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggers, encoder)
{
    public const string SchemeName = "TwoPcApiKey";

    private readonly TwoPcHttpOptions _options = options.Value;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken(Request) is not { } token)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        ApiKeyOptions? match = null;
        foreach (var key in _options.ApiKeys)
        {
            // Every entry is compared, matched or not, so the time taken says nothing about which key came close.
            if (CryptographicOperations.FixedTimeEquals(presented, SHA256.HashData(Encoding.UTF8.GetBytes(key.Key))))
            {
                match = key;
            }
        }

        if (match is null)
        {
            LogRejected(Logger, Request.Path);
            return Task.FromResult(AuthenticateResult.Fail("the API key is not valid"));
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, match.Name) };
        claims.AddRange(match.Roles.Select(role => new Claim(ClaimTypes.Role, role)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        var detail = BearerToken(Request) is not null ? "the bearer token is not a valid API key or JWT"
            : !_options.AuthenticationConfigured ? $"this endpoint needs a caller with the role '{TwoPcHttpOptions.AdminRole}', and none can "
                + $"authenticate: configure API keys ({TwoPcHttpOptions.Section}:ApiKeys) or JWT ({TwoPcHttpOptions.Section}:Jwt)"
            : "send Authorization: Bearer <API key or JWT>";
        return Problems.Unauthenticated(detail).ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var user = Context.User;
        var roles = user.Claims.Where(c => c.Type == ClaimTypes.Role || c.Type == _options.Jwt.RoleClaim).Select(c => c.Value).ToList();
        LogForbidden(Logger, user.Identity?.Name ?? "?", Request.Path);
        return Problems.Forbidden($"this endpoint needs the role '{TwoPcHttpOptions.AdminRole}'; caller '{user.Identity?.Name ?? "?"}' has "
            + (roles.Count == 0 ? "no roles" : "roles: " + string.Join(", ", roles))).ExecuteAsync(Context);
    }

    /// <summary>The token of <c>Authorization: Bearer &lt;token&gt;</c>, or null.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    [LoggerMessage(EventId = 410, Level = LogLevel.Warning, Message = "{Path}: a bearer token that is no configured API key; answered 401")]
    private static partial void LogRejected(ILogger logger, string path);

    [LoggerMessage(EventId = 411, Level = LogLevel.Warning, Message = "{Path}: caller {Caller} lacks the admin role; answered 403")]
    private static partial void LogForbidden(ILogger logger, string caller, string path);
}

/// <summary>Authentication and authorization of the API: API keys, and JWT bearer when configured.</summary>
internal static class TwoPcAuthentication
{
    public const string Scheme = "TwoPc";
    public const string TransactPolicy = "twopc.transact";
    public const string AdminPolicy = "twopc.admin";

    public static void Add(IServiceCollection services, TwoPcHttpOptions options)
    {
        var authentication = services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "API key or JWT", policy =>
            {
                // A JWT has three dot-separated parts; an API key is validated to contain no spaces, and is tried otherwise.
                policy.ForwardDefaultSelector = context =>
                    options.Jwt.Enabled && ApiKeyAuthenticationHandler.BearerToken(context.Request) is { } token && token.Count(c => c == '.') == 2
                        ? JwtBearer.SchemeName
                        : ApiKeyAuthenticationHandler.SchemeName;
                policy.ForwardChallenge = ApiKeyAuthenticationHandler.SchemeName;
                policy.ForwardForbid = ApiKeyAuthenticationHandler.SchemeName;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        if (options.Jwt.Enabled)
        {
            JwtBearer.Add(authentication, options.Jwt);
        }

        services.AddAuthorizationBuilder()
            .AddPolicy(TransactPolicy, policy =>
            {
                if (options.AuthenticationConfigured)
                {
                    policy.RequireAuthenticatedUser();
                }
                else
                {
                    // Allowed only while the API listens on loopback alone (TwoPcHttpOptions.RequireAuthenticationOffLoopback).
                    policy.RequireAssertion(_ => true);
                }
            })
            .AddPolicy(AdminPolicy, policy => policy.RequireAuthenticatedUser()
                .RequireAssertion(context => context.User.IsInRole(TwoPcHttpOptions.AdminRole)
                    || context.User.HasClaim(options.Jwt.RoleClaim, TwoPcHttpOptions.AdminRole)));
    }
}
