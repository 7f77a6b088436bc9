using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace OrleansTwoPc.Http;

/// <summary>
/// The OpenAPI document (checked in as docs/openapi.json, so clients can generate code). The same on every host: no
/// server list, which would name the address of whoever asked.
/// </summary>
internal static class OpenApiDocument
{
    public static IServiceCollection AddTwoPcOpenApi(this IServiceCollection services) => services.AddOpenApi("v1", openApi =>
        openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "OrleansTwoPc";
            document.Info.Version = "v1";
            document.Info.Description = "Exactly-once multi-party transactions. POST /transactions with an Idempotency-Key "
                + "header (the operation id) runs a request once; every retry with the key gets the first outcome. Errors are "
                + "Problem Details (RFC 9457) of type urn:orleanstwopc:problem:<name>, with field and rule for bad input.";
            document.Servers?.Clear();
            return Task.CompletedTask;
        }));

    /// <summary>Describes a JSON request body of type <typeparamref name="T"/> that the handler reads itself.</summary>
    public static async Task DescribeBody<T>(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken);
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { ["application/json"] = new() { Schema = schema } },
        };
    }
}
