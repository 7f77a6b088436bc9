using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace OrleansTwoPc.Http;

/// <summary>JWT bearer validation from <see cref="JwtOptions"/>: an OpenID Connect authority's keys, or a symmetric key of your own.</summary>
internal static class JwtBearer
{
    public const string SchemeName = JwtBearerDefaults.AuthenticationScheme;

    public static void Add(AuthenticationBuilder authentication, JwtOptions jwt) =>
        authentication.AddJwtBearer(SchemeName, bearer =>
        {
            bearer.MapInboundClaims = false;
            if (!string.IsNullOrEmpty(jwt.Authority))
            {
                bearer.Authority = jwt.Authority;
            }

            bearer.Audience = jwt.Audience;
            bearer.TokenValidationParameters = new TokenValidationParameters
            {
                ValidateIssuer = true,
                ValidIssuer = string.IsNullOrEmpty(jwt.Issuer) ? jwt.Authority : jwt.Issuer,
                ValidateAudience = true,
                ValidAudience = jwt.Audience,
                ValidateLifetime = true,
                RequireExpirationTime = true,
                RoleClaimType = jwt.RoleClaim,
                NameClaimType = "sub",
                IssuerSigningKey = string.IsNullOrEmpty(jwt.SigningKey) ? null : new SymmetricSecurityKey(Convert.FromBase64String(jwt.SigningKey)),
                ValidateIssuerSigningKey = true,
            };
        });
}
