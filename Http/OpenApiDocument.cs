using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
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
            DescribeBearer(document);
            return Task.CompletedTask;
        }).AddSchemaTransformer((schema, context, _) =>
        {
            OmittedWhenNull(schema, context.JsonTypeInfo);
            return Task.CompletedTask;
        }));

    /// <summary>
    /// A property the API leaves out when it is null (<c>reason</c> of a committed outcome, <c>decidedAt</c> while in
    /// progress) is not required: a client generated from the document must accept the answers the API gives.
    /// </summary>
    private static void OmittedWhenNull(OpenApiSchema schema, JsonTypeInfo type)
    {
        if (schema.Required is not { Count: > 0 } required || type.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (var property in type.Properties)
        {
            var ignore = property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true);
            if (ignore is [JsonIgnoreAttribute { Condition: JsonIgnoreCondition.WhenWritingNull }, ..])
            {
                required.Remove(property.Name);
            }
        }
    }

    /// <summary>
    /// The Idempotency-Key header is required. The handler takes it as optional so that a request without it gets the
    /// API's own Problem Details naming the header, not ASP.NET Core's bare 400; the document says what a client must send.
    /// </summary>
    public static Task RequireHeader(OpenApiOperation operation, string name)
    {
        foreach (var parameter in operation.Parameters ?? [])
        {
            if (parameter is OpenApiParameter { In: ParameterLocation.Header } header && header.Name == name)
            {
                header.Required = true;
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Every endpoint in the document takes <c>Authorization: Bearer</c> (an API key or a JWT). It is optional only while
    /// the API listens on loopback with neither configured, which a document the same on every host cannot say per call:
    /// the scheme's description does.
    /// </summary>
    private static void DescribeBearer(Microsoft.OpenApi.OpenApiDocument document)
    {
        const string scheme = "bearer";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[scheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = scheme,
            Description = "An API key (TwoPc:Http:ApiKeys) or a JWT (TwoPc:Http:Jwt). The admin endpoints need the role 'admin'. "
                + "Without keys or JWT configured the API listens on loopback only and the transaction endpoints are anonymous.",
        };
        var requirement = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, document)] = [] };
        foreach (var operation in document.Paths.Values.SelectMany(path => path.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>()))
        {
            operation.Security = [requirement];
        }
    }

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
