using System.CommandLine.Parsing;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansTwoPc.Cli;

/// <summary>
/// Renders results and errors, as text (answers on stdout, errors on stderr) or with <c>--json</c> as exactly one
/// JSON object on stdout, and picks the exit code. <paramref name="stdout"/> and <paramref name="stderr"/> are the
/// invocation's writers: the console in the process, captured text in tests.
/// </summary>
internal sealed partial class Output(bool json, TextWriter stdout, TextWriter stderr)
{
    // Messages quote values ('abc'); the default encoder would turn every quote into \u0027.
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Announces an id the CLI chose. With --json it goes to stderr: stdout holds only the one object.</summary>
    public void GeneratedOperationId(string operationId) =>
        (json ? stderr : stdout).WriteLine($"operation id: {operationId}");

    /// <summary>The outcome of running a transaction.</summary>
    public int Executed(TransactionOutcome outcome)
    {
        var code = Render(outcome, executed: true);
        if (outcome.IsDecided)
        {
            return code;
        }

        // Execute normally returns a decided outcome; if not, the caller must ask again later.
        if (!json)
        {
            stderr.WriteLine($"the outcome is not decided yet; query it with: status {outcome.OperationId}");
        }

        return ExitCodes.Error;
    }

    /// <summary>The answer of <c>status</c>. Aborted exits 2, as the command that ran it did.</summary>
    public int Status(TransactionOutcome outcome) => Render(outcome, executed: false);

    /// <summary>A committed level, e.g. <c>alice: 70</c> or <c>{"account":"alice","balance":70}</c>.</summary>
    public int Level(string keyName, string key, string levelName, long value)
    {
        Answer(new JsonObject { [keyName] = key, [levelName] = value }, $"{key}: {value}");
        return ExitCodes.Success;
    }

    /// <summary>Reports a failure and returns its exit code (always <see cref="ExitCodes.Error"/>).</summary>
    public int Fail(Exception error)
    {
        var (text, type, message, details) = error switch
        {
            InvalidRequestException e => ($"invalid input: {e.Field}: {e.Rule}", "invalid-request", e.Rule, [("field", e.Field)]),
            OperationConflictException e => (e.Message, "operation-conflict", e.Message, [("operationId", e.OperationId)]),
            OperationExpiredException e => (e.Message, "operation-expired", e.Message, [("operationId", e.OperationId)]),
            OperatorActionRefusedException e => ($"refused: {e.Message}", "operator-action-refused", e.Message, []),
            OutcomeUnknownException e => (WithCause(e), "outcome-unknown", WithCause(e), [("operationId", e.OperationId)]),
            CliException e => (e.Message, e.Type, e.Message, e.Details),
            OperationCanceledException => ("cancelled", "cancelled", "cancelled", []),
            _ => ($"error: {error.Message}", "error", error.Message, new (string, string)[] { ("exception", error.GetType().Name) }),
        };

        if (json)
        {
            var body = new JsonObject { ["type"] = type };
            foreach (var (name, value) in details)
            {
                body[name] = value;
            }

            body["message"] = message;
            stdout.WriteLine(new JsonObject { ["error"] = body }.ToJsonString(JsonOptions));
        }
        else
        {
            stderr.WriteLine(text);
        }

        return ExitCodes.Error;
    }

    /// <summary>A malformed command line under --json: the parser's messages as one JSON error.</summary>
    public static int ParseErrors(IReadOnlyList<ParseError> errors, TextWriter stdout)
    {
        var body = new JsonObject
        {
            ["type"] = "usage",
            ["message"] = string.Join("; ", errors.Select(e => e.Message)),
        };
        stdout.WriteLine(new JsonObject { ["error"] = body }.ToJsonString(JsonOptions));
        return ExitCodes.Error;
    }

    private int Render(TransactionOutcome outcome, bool executed)
    {
        var line = $"{outcome.OperationId}: {Words(outcome.Status)}";
        var obj = new JsonObject { ["operationId"] = outcome.OperationId, ["status"] = Words(outcome.Status).Replace(' ', '-') };
        if (executed)
        {
            obj["replayed"] = outcome.Replayed;
        }

        if (outcome.Reason is { } reason)
        {
            line += $" ({reason.Code}: {reason.Message})";
            obj["reason"] = new JsonObject { ["code"] = reason.Code, ["message"] = reason.Message };
        }

        if (outcome.DecidedAt is { } decidedAt)
        {
            obj["decidedAt"] = decidedAt;
        }

        if (executed && outcome.Replayed)
        {
            line += " (replayed: first outcome returned)";
        }

        Answer(obj, line);
        return outcome.Status == TransactionStatus.Aborted ? ExitCodes.Aborted : ExitCodes.Success;
    }

    private void Answer(JsonObject obj, string line) => stdout.WriteLine(json ? obj.ToJsonString(JsonOptions) : line);

    private static string Words(TransactionStatus status) => status switch
    {
        TransactionStatus.Unknown => "unknown",
        TransactionStatus.InProgress => "in progress",
        TransactionStatus.Committed => "committed",
        TransactionStatus.Aborted => "aborted",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static string WithCause(OutcomeUnknownException error) =>
        error.InnerException is { } cause ? $"{error.Message} (last error: {cause.Message})" : error.Message;
}
