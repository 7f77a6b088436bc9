using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansTwoPc;

/// <summary>
/// The JSON form of a request, shared by the CLI's <c>submit --file</c> and the HTTP API's <c>POST /transactions</c>:
/// <c>{"operations":[{"kind":"ledger","key":"alice","action":"debit","amount":5}, ...]}</c>, optionally with
/// <c>"createdAt":"2026-12-04T18:00:00Z"</c>, the operation id's creation time.
/// </summary>
public static class RequestJson
{
    /// <summary>The expected shape, as error messages show it.</summary>
    public const string Shape = """{"operations":[{"kind":"...","key":"...","action":"...","amount":1}, ...]}""";

    // Strict where a typo could change what happens to money ("amout" must not silently become 0; "5" is not a
    // number); lenient only where nothing can go wrong (letter case, comments, trailing commas).
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Reads a request from its JSON text; <paramref name="source"/> names it in errors (e.g. <c>request file</c>).</summary>
    /// <exception cref="RequestJsonException">The text is empty, <c>null</c>, or not a valid request (malformed, an unknown property, a wrong type).</exception>
    /// <exception cref="InvalidRequestException">Well-formed, but <c>operations</c>, an operation or an amount is missing.</exception>
    public static TransactionRequest Read(string text, string source = "request")
    {
        var parsed = Parse(text);
        if (parsed.Operations is null)
        {
            throw new InvalidRequestException("operations", $"is missing from the {source}");
        }

        var operations = new List<ParticipantOperation>(parsed.Operations.Count);
        for (var i = 0; i < parsed.Operations.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"operations[{i}]");
            var op = parsed.Operations[i] ?? throw new InvalidRequestException(at, "must be an object, not null");
            var amount = op.Amount ?? throw new InvalidRequestException(at + ".amount", "is missing");

            // Missing strings become empty ones, which RequestValidator refuses naming the field.
            operations.Add(new ParticipantOperation(op.Kind ?? "", op.Key ?? "", op.Action ?? "", amount));
        }

        return new TransactionRequest(operations) { CreatedAt = parsed.CreatedAt };
    }

    private static RequestJsonModel Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new RequestJsonException(RequestJsonProblem.Empty, "$", $"is empty; expected {Shape}");
        }

        try
        {
            return JsonSerializer.Deserialize<RequestJsonModel>(text, Options)
                ?? throw new RequestJsonException(RequestJsonProblem.Null, "$", $"holds null; expected {Shape}");
        }
        catch (JsonException ex)
        {
            // The serializer's own message names internal type names; say where in the text instead.
            var path = ex.Path ?? "$";
            var what = ex.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "unknown property"
                : !ex.Message.Contains("could not be converted", StringComparison.Ordinal) ? "malformed JSON"
                : path.EndsWith(".amount", StringComparison.OrdinalIgnoreCase) ? $"amount must be a whole number between 1 and {RequestLimits.MaxAmount}"
                : $"wrong type of value; expected {Shape}";
            var where = string.Create(CultureInfo.InvariantCulture, $"line {ex.LineNumber + 1}, {path}");
            throw new RequestJsonException(RequestJsonProblem.Invalid, path, $"{what} at {where}", ex);
        }
    }

    private sealed record RequestJsonModel(IReadOnlyList<OperationJsonModel?>? Operations, DateTimeOffset? CreatedAt = null);

    private sealed record OperationJsonModel(string? Kind, string? Key, string? Action, long? Amount);
}

/// <summary>What is wrong with a request's JSON text.</summary>
public enum RequestJsonProblem
{
    /// <summary>Nothing, or only whitespace.</summary>
    Empty,

    /// <summary>The JSON literal <c>null</c>.</summary>
    Null,

    /// <summary>Malformed JSON, an unknown property, or a value of the wrong type.</summary>
    Invalid,
}

/// <summary>A request's JSON text could not be read as a request. Nothing was sent or changed.</summary>
public sealed class RequestJsonException : Exception
{
    public RequestJsonException(RequestJsonProblem problem, string path, string detail, Exception? inner = null)
        : base(detail, inner)
    {
        Problem = problem;
        Path = path;
    }

    public RequestJsonException() : this(RequestJsonProblem.Invalid, "$", "invalid request")
    {
    }

    public RequestJsonException(string message, Exception innerException) : this(RequestJsonProblem.Invalid, "$", message, innerException)
    {
    }

    public RequestJsonProblem Problem { get; }

    /// <summary>The JSON path of the problem, e.g. <c>$.operations[0].amount</c>; <c>$</c> for the whole text.</summary>
    public string Path { get; }
}
