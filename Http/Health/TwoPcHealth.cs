using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrleansTwoPc.Http.Health;

/// <summary>
/// <c>/health/live</c> (the process serves HTTP; checks tagged <see cref="LiveTag"/>) and <c>/health/ready</c> (checks
/// tagged <see cref="ReadyTag"/>: the API's own oldest-in-doubt check, and what the host adds, e.g. the silo's status
/// and its storage). Answers are ASP.NET Core's <see cref="HealthReport"/> as JSON: 200 when healthy or degraded, 503
/// when unhealthy.
/// </summary>
public static class TwoPcHealth
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Registers health checks with the API's own: the age of the oldest unfinished transaction.</summary>
    public static IHealthChecksBuilder AddTwoPcHealthChecks(this IServiceCollection services) =>
        services.AddHealthChecks().AddCheck<InDoubtAgeCheck>("in-doubt", tags: [ReadyTag]);

    internal static void Map(IEndpointRouteBuilder endpoints)
    {
        // Probes come from orchestrators and load balancers, which hold no API key; the answers hold no balances.
        endpoints.MapHealthChecks(LivePath, Options(LiveTag)).AllowAnonymous();
        endpoints.MapHealthChecks(ReadyPath, Options(ReadyTag)).AllowAnonymous();
    }

    private static HealthCheckOptions Options(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResponseWriter = WriteAsync,
    };

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            totalDuration = report.TotalDuration.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            entries = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description ?? e.Value.Exception?.Message,
                duration = e.Value.Duration.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
                data = e.Value.Data,
            }, StringComparer.Ordinal),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json), context.RequestAborted);
    }
}
