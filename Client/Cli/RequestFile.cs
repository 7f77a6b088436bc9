using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansTwoPc.Cli;

/// <summary>
/// Reads the request file of <c>submit</c>:
/// <c>{"operations":[{"kind":"ledger","key":"alice","action":"debit","amount":5}, ...]}</c>, optionally with
/// <c>"createdAt":"2026-12-04T18:00:00Z"</c>, the operation id's creation time.
/// </summary>
internal static class RequestFile
{
    // Strict where a typo could change what happens to money ("amout" must not silently become 0; "5" is not a
    // number); lenient only where nothing can go wrong (letter case, comments, trailing commas).
    private const string Shape = """{"operations":[{"kind":"...","key":"...","action":"...","amount":1}, ...]}""";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Reads and converts the file; throws <see cref="CliException"/> naming the file and the problem.</summary>
    public static TransactionRequest Read(string path)
    {
        var file = Parse(Load(path), path);
        if (file.Operations is null)
        {
            throw new InvalidRequestException("operations", "is missing from the request file");
        }

        var operations = new List<ParticipantOperation>(file.Operations.Count);
        for (var i = 0; i < file.Operations.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"operations[{i}]");
            var op = file.Operations[i] ?? throw new InvalidRequestException(at, "must be an object, not null");
            var amount = op.Amount ?? throw new InvalidRequestException(at + ".amount", "is missing");

            // Missing strings become empty ones, which RequestValidator refuses naming the field.
            operations.Add(new ParticipantOperation(op.Kind ?? "", op.Key ?? "", op.Action ?? "", amount));
        }

        return new TransactionRequest(operations) { CreatedAt = file.CreatedAt };
    }

    private static string Load(string path)
    {
        if (Directory.Exists(path))
        {
            throw Problem(path, $"cannot read request file '{path}': it is a directory");
        }

        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var reason = ex switch
            {
                FileNotFoundException or DirectoryNotFoundException => "no such file",
                UnauthorizedAccessException => "permission denied",
                _ => ex.Message,
            };
            throw Problem(path, $"cannot read request file '{path}': {reason}", ex);
        }
    }

    private static RequestFileJson Parse(string text, string path)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Problem(path, $"request file '{path}' is empty; expected {Shape}");
        }

        try
        {
            return JsonSerializer.Deserialize<RequestFileJson>(text, Options)
                ?? throw Problem(path, $"request file '{path}' holds null; expected {Shape}");
        }
        catch (JsonException ex)
        {
            // The serializer's own message names internal type names; say where in the file instead.
            var where = string.Create(CultureInfo.InvariantCulture, $"line {ex.LineNumber + 1}, {ex.Path ?? "$"}");
            var what = ex.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "unknown property"
                : !ex.Message.Contains("could not be converted", StringComparison.Ordinal) ? "malformed JSON"
                : ex.Path?.EndsWith(".amount", StringComparison.OrdinalIgnoreCase) == true ? $"amount must be a whole number between 1 and {RequestLimits.MaxAmount}"
                : $"wrong type of value; expected {Shape}";
            throw Problem(path, $"request file '{path}' is not a valid request: {what} at {where}", ex);
        }
    }

    private static CliException Problem(string path, string message, Exception? inner = null) =>
        new("request-file", message, inner, ("file", path));

    private sealed record RequestFileJson(IReadOnlyList<OperationJson?>? Operations, DateTimeOffset? CreatedAt = null);

    private sealed record OperationJson(string? Kind, string? Key, string? Action, long? Amount);
}
