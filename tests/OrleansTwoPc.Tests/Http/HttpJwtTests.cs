using System.Net;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OrleansTwoPc.Tests.Http;

/// <summary>
/// JWT bearer with a symmetric key of the operator's own: a token the API accepts runs transactions, its role claim
/// decides the admin endpoints, and a token that is expired, for another audience or issuer, or signed with another
/// key is refused with 401 before anything runs.
/// </summary>
public sealed class HttpJwtTests(JwtHttpApiFixture api) : IClassFixture<JwtHttpApiFixture>
{
    [Fact]
    public async Task A_valid_token_runs_a_transaction_and_its_role_claim_decides_the_admin_endpoints()
    {
        using var clerk = api.Client(Token());
        using var admin = api.Client(Token(role: "admin"));
        var key = Api.Key("jwt-ok");

        using var committed = await clerk.PostAsync(key, Api.Body(("ledger", $"{key}-a", "credit", 5)));
        using var clerkAdmin = await clerk.GetAsync("admin/in-doubt?registryOnly=true");
        using var adminAdmin = await admin.GetAsync("admin/in-doubt?registryOnly=true");

        Assert.Equal(HttpStatusCode.OK, committed.StatusCode);
        Assert.Equal("committed", (await committed.JsonAsync()).GetProperty("status").GetString());
        Assert.Equal(5, await api.BalanceAsync($"{key}-a"));
        Assert.Contains("needs the role 'admin'", (await clerkAdmin.ProblemAsync(403, "forbidden")).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, adminAdmin.StatusCode);
    }

    public static TheoryData<string> BadTokens => ["expired", "audience", "issuer", "key", "unsigned"];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_token_that_is_expired_for_another_audience_or_issuer_or_wrongly_signed_is_401_and_nothing_runs(string fault)
    {
        var token = fault switch
        {
            "expired" => Token(expires: DateTime.UtcNow.AddMinutes(-10)),
            "audience" => Token(audience: "someone-else"),
            "issuer" => Token(issuer: "https://impostor.example"),
            "key" => Token(key: new SymmetricSecurityKey(new byte[32])),
            "unsigned" => new JsonWebTokenHandler().CreateToken(Descriptor(JwtHttpApiFixture.Issuer, JwtHttpApiFixture.Audience, DateTime.UtcNow.AddMinutes(5), null, null)),
            _ => throw new ArgumentOutOfRangeException(nameof(fault)),
        };
        using var client = api.Client(token);
        var key = Api.Key($"jwt-{fault}");

        using var response = await client.PostAsync(key, Api.Body(("ledger", $"{key}-a", "credit", 5)));

        await response.ProblemAsync(401, "unauthenticated");
        Assert.Equal(TransactionStatus.Unknown, (await api.Transactions.GetStatusAsync(key)).Status);
        Assert.Equal(0, await api.BalanceAsync($"{key}-a"));
    }

    private static string Token(string? role = null, DateTime? expires = null, string audience = JwtHttpApiFixture.Audience,
        string issuer = JwtHttpApiFixture.Issuer, SecurityKey? key = null)
    {
        var signing = new SigningCredentials(key ?? new SymmetricSecurityKey(Convert.FromBase64String(JwtHttpApiFixture.SigningKey)), SecurityAlgorithms.HmacSha256);
        return new JsonWebTokenHandler().CreateToken(Descriptor(issuer, audience, expires ?? DateTime.UtcNow.AddMinutes(5), role, signing));
    }

    private static SecurityTokenDescriptor Descriptor(string issuer, string audience, DateTime expires, string? role, SigningCredentials? signing)
    {
        var claims = new List<Claim> { new("sub", "payments-service") };
        if (role is not null)
        {
            claims.Add(new Claim("role", role));
        }

        return new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            NotBefore = expires.AddMinutes(-30),
            IssuedAt = expires.AddMinutes(-30),
            Expires = expires,
            SigningCredentials = signing,
        };
    }
}

/// <summary>JWT bearer on, with a symmetric key; no API keys.</summary>
public sealed class JwtHttpApiFixture : HttpApiFixture
{
    public const string Issuer = "https://tokens.example";
    public const string Audience = "orleanstwopc";

    /// <summary>32 bytes, base64: the smallest key the options accept.</summary>
    public const string SigningKey = "c2VjcmV0LWtleS1mb3ItdGhlLWp3dC10ZXN0cy0wMTI=";

    protected override IEnumerable<string> Settings() =>
    [
        $"--TwoPc:Http:Jwt:SigningKey={SigningKey}", $"--TwoPc:Http:Jwt:Issuer={Issuer}", $"--TwoPc:Http:Jwt:Audience={Audience}",
    ];
}
