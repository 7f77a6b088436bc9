using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansTwoPc.Http.Health;
using Microsoft.Extensions.Options;

namespace OrleansTwoPc.Http;

/// <summary>
/// The HTTP API on any ASP.NET Core host with Orleans (a silo, or a client): <c>services.AddTwoPcHttp(configuration)</c>
/// then <c>app.MapTwoPc()</c>.
/// </summary>
public static class TwoPcHttpExtensions
{
    /// <summary>The OpenAPI document's path.</summary>
    public const string OpenApiPath = "/openapi/v1.json";

    /// <summary>
    /// Registers the API's services with options bound from <c>TwoPc:Http</c> and validated now: authentication (API keys,
    /// JWT bearer), authorization policies, Problem Details, the OpenAPI document.
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range (the message names it).</exception>
    public static TwoPcHttpOptions AddTwoPcHttp(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TwoPcHttpOptions.Section).Get<TwoPcHttpOptions>() ?? new TwoPcHttpOptions();
        // One setting for silos and API alike: without its own value the API reads the silos' shard count.
        if (configuration[$"{TwoPcHttpOptions.Section}:{nameof(TwoPcHttpOptions.RecoveryShards)}"] is null
            && int.TryParse(configuration["TwoPc:RecoveryShards"], System.Globalization.CultureInfo.InvariantCulture, out var shards))
        {
            options.RecoveryShards = shards;
        }

        options.Validate();
        services.AddSingleton(Options.Create(options));
        services.AddSingleton<TwoPcApi>();
        services.AddProblemDetails();
        services.AddTwoPcOpenApi();
        services.AddTwoPcHealthChecks();
        services.TryAddSingleton(TimeProvider.System);
        TwoPcAuthentication.Add(services, options);
        return options;
    }

    /// <summary>
    /// Maps the API: <c>POST /transactions</c>, <c>GET /transactions/{id}</c>, <c>GET /participants/{kind}/{key}</c>, the
    /// admin endpoints under <c>/admin</c>, and the OpenAPI document at <see cref="OpenApiPath"/>.
    /// </summary>
    public static IEndpointRouteBuilder MapTwoPc(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("").AddEndpointFilter<ProblemFilter>().WithTags("transactions")
            .RequireAuthorization(TwoPcAuthentication.TransactPolicy);
        api.MapPost("/transactions", TransactionEndpoints.Submit)
            .WithName("submitTransaction")
            .WithSummary("Execute a transaction exactly once under its Idempotency-Key")
            // The body is read by RequestJson (its errors name the place); described here for the OpenAPI document only,
            // so that a wrong Content-Type reaches the handler and gets its Problem Details.
            .AddOpenApiOperationTransformer(OpenApiDocument.DescribeBody<TransactionBody>)
            .AddOpenApiOperationTransformer((operation, _, _) => OpenApiDocument.RequireHeader(operation, TransactionEndpoints.IdempotencyKeyHeader))
            .Produces<TransactionResult>(StatusCodes.Status200OK)
            .Produces<TransactionResult>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/transactions/{id}", TransactionEndpoints.Status)
            .WithName("getTransaction")
            .WithSummary("The status of an operation id")
            .Produces<TransactionResult>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/participants/{kind}/{key}", TransactionEndpoints.Participant)
            .WithName("getParticipant")
            .WithSummary("A participant's committed value and the prepared records it holds")
            .Produces<ParticipantResult>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        var admin = endpoints.MapGroup("/admin").AddEndpointFilter<ProblemFilter>().WithTags("admin")
            .RequireAuthorization(TwoPcAuthentication.AdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        admin.MapGet("/in-doubt", AdminEndpoints.InDoubt)
            .WithName("listInDoubt")
            .WithSummary("Every transaction not completed yet, oldest first")
            .Produces<InDoubtResult>(StatusCodes.Status200OK);
        admin.MapGet("/transactions/{id}", AdminEndpoints.Inspect)
            .WithName("inspectTransaction")
            .WithSummary("The whole coordinator record of an operation id")
            .Produces<InspectResult>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapPost("/transactions/{id}/abort", AdminEndpoints.Abort)
            .WithName("abortTransaction")
            .WithSummary("Operator abort of a transaction that has no durable decision yet")
            .Produces<TransactionResult>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);

        endpoints.MapOpenApi(OpenApiPath).AllowAnonymous();
        TwoPcHealth.Map(endpoints);
        return endpoints;
    }
}
