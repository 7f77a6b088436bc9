using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace OrleansTwoPc.Http;

/// <summary>
/// Problem Details (RFC 9457) for every error the API answers, the same catalogue as the CLI's (docs/bad-input.md).
/// <c>type</c> is <c>urn:orleanstwopc:problem:&lt;name&gt;</c>; bad input carries <c>field</c> and <c>rule</c>.
/// </summary>
internal static class Problems
{
    public const string TypePrefix = "urn:orleanstwopc:problem:";

    /// <summary>400: a field broke a rule (the same field and rule as <see cref="InvalidRequestException"/>).</summary>
    public static ProblemHttpResult Invalid(string field, string rule) => Problem(StatusCodes.Status400BadRequest, "invalid-request",
        "The request breaks a rule; nothing was stored or changed", $"{field}: {rule}", ("field", field), ("rule", rule));

    public static ProblemHttpResult Invalid(InvalidRequestException ex) => Invalid(ex.Field, ex.Rule);

    /// <summary>400: the body is not a request (malformed JSON, an unknown property, a wrong type).</summary>
    public static ProblemHttpResult Malformed(RequestJsonException ex) => Problem(StatusCodes.Status400BadRequest, "malformed-request",
        "The request body is not a valid request; nothing was stored or changed", $"request body {ex.Message}",
        ("field", ex.Path), ("rule", ex.Message));

    public static ProblemHttpResult UnsupportedMediaType(string? contentType) => Problem(StatusCodes.Status415UnsupportedMediaType,
        "unsupported-media-type", "The request body must be JSON",
        $"Content-Type must be application/json; got '{contentType ?? "(none)"}'",
        ("field", "Content-Type"), ("rule", "must be application/json"));

    public static ProblemHttpResult TooLarge(long limit) => Problem(StatusCodes.Status413PayloadTooLarge, "request-too-large",
        "The request body is too large", $"the request body exceeds {limit} bytes ({TwoPcHttpOptions.Section}:MaxRequestBodyBytes)",
        ("field", "body"), ("rule", $"at most {limit} bytes"));

    /// <summary>422: the key was used with another request (the Idempotency-Key draft's "reused key").</summary>
    public static ProblemHttpResult Conflict(OperationConflictException ex) => Problem(StatusCodes.Status422UnprocessableEntity,
        "operation-conflict", "The Idempotency-Key was already used with a different request; nothing was changed",
        ex.Message, ("operationId", ex.OperationId));

    /// <summary>422: the request is older than the retention period; it never runs again.</summary>
    public static ProblemHttpResult Expired(OperationExpiredException ex) => Problem(StatusCodes.Status422UnprocessableEntity,
        "operation-expired", "The request is older than the retention period; refused, nothing changed",
        ex.Message, ("operationId", ex.OperationId));

    public static ProblemHttpResult Unknown(string operationId) => Problem(StatusCodes.Status404NotFound, "unknown-operation",
        "No record of this operation id", $"operation id '{operationId}' has no record: it never ran here, or its record expired",
        ("operationId", operationId));

    /// <summary>409: an operator action the coordinator refused (the decision is durable, or the id is unknown).</summary>
    public static ProblemHttpResult Refused(OperatorActionRefusedException ex) => Problem(StatusCodes.Status409Conflict,
        "operator-action-refused", "The operator action was refused", $"refused: {ex.Message}");

    /// <summary>503: the cluster did not answer (a grain call failed); retrying is safe.</summary>
    public static ProblemHttpResult Unavailable(Exception ex) => Problem(StatusCodes.Status503ServiceUnavailable, "cluster-unavailable",
        "The cluster did not answer; retrying with the same Idempotency-Key is safe", $"{ex.GetType().Name}: {ex.Message}");

    public static ProblemHttpResult Unauthenticated(string detail) => Problem(StatusCodes.Status401Unauthorized, "unauthenticated",
        "Authentication required", detail);

    public static ProblemHttpResult Forbidden(string detail) => Problem(StatusCodes.Status403Forbidden, "forbidden",
        "Not allowed", detail);

    private static ProblemHttpResult Problem(int status, string type, string title, string detail, params (string Key, object? Value)[] extensions) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: TypePrefix + type,
            extensions: extensions.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal));
}
