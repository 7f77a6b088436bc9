using System.Globalization;

namespace OrleansTwoPc;

/// <summary>Checks ids and requests; throws <see cref="InvalidRequestException"/> naming the field and the rule.</summary>
public static class RequestValidator
{
    private const string IdRule = "must be 1 to 128 characters of A-Z a-z 0-9 . _ : -";

    /// <summary>Validates an operation id or a participant key.</summary>
    public static void ValidateId(string? value, string field)
    {
        if (string.IsNullOrEmpty(value) || value.Length > RequestLimits.MaxIdLength || !value.All(IsIdChar))
        {
            throw new InvalidRequestException(field, IdRule + Describe(value));
        }
    }

    /// <summary>
    /// Validates a whole request. <paramref name="actionsByKind"/> lists the kinds the cluster hosts and their actions;
    /// null skips that check (a client does not know the server's kinds).
    /// </summary>
    public static void Validate(string? operationId, TransactionRequest? request, RequestLimits limits,
        IReadOnlyDictionary<string, IReadOnlySet<string>>? actionsByKind)
    {
        ValidateId(operationId, "operationId");
        if (request?.Operations is null || request.Operations.Count == 0)
        {
            throw new InvalidRequestException("operations", "must name at least one participant");
        }

        if (request.Operations.Count > limits.MaxParticipants)
        {
            throw new InvalidRequestException("operations",
                $"names {request.Operations.Count} participants; at most {limits.MaxParticipants} are allowed");
        }

        var seen = new HashSet<ParticipantId>();
        for (var i = 0; i < request.Operations.Count; i++)
        {
            var op = request.Operations[i];
            var at = string.Create(CultureInfo.InvariantCulture, $"operations[{i}]");
            if (op is null)
            {
                throw new InvalidRequestException(at, "must not be null");
            }

            ValidateOperationFields(op, at, actionsByKind);
            if (!seen.Add(op.Participant))
            {
                throw new InvalidRequestException(at, $"participant {op.Participant} appears more than once; combine its operations into one");
            }
        }
    }

    /// <summary>
    /// When the operation id was first created: the time a time-ordered id carries (<see cref="OperationIds"/>),
    /// else the request's <see cref="TransactionRequest.CreatedAt"/>. One of them is required: it is what lets a retry
    /// after the retention period be refused as expired instead of run again.
    /// </summary>
    public static DateTimeOffset CreationTime(string operationId, TransactionRequest request) =>
        OperationIds.TryGetCreationTime(operationId, out var fromId) ? fromId
        : request.CreatedAt ?? throw new InvalidRequestException("createdAt",
            "required: set it once, when the operation id is created, and keep it with the id for every retry "
            + "(or use a time-ordered id, OperationIds.New()); without it a retry after the retention period could run again");

    /// <summary>
    /// Validates one operation as a participant receives it: the same rules and errors as the coordinator's, with
    /// <paramref name="field"/> naming it (e.g. <c>operation</c>, so errors say <c>operation.amount</c>).
    /// </summary>
    public static void ValidateOperation(ParticipantOperation? op, string field,
        IReadOnlyDictionary<string, IReadOnlySet<string>>? actionsByKind)
    {
        if (op is null)
        {
            throw new InvalidRequestException(field, "must not be null");
        }

        ValidateOperationFields(op, field, actionsByKind);
    }

    private static void ValidateOperationFields(ParticipantOperation op, string at,
        IReadOnlyDictionary<string, IReadOnlySet<string>>? actionsByKind)
    {
        if (string.IsNullOrEmpty(op.Kind))
        {
            throw new InvalidRequestException(at + ".kind", "must not be empty");
        }

        IReadOnlySet<string>? actions = null;
        if (actionsByKind is not null && !actionsByKind.TryGetValue(op.Kind, out actions))
        {
            throw new InvalidRequestException(at + ".kind",
                $"unknown participant kind '{Clip(op.Kind)}'; known kinds: {string.Join(", ", actionsByKind.Keys.Order(StringComparer.Ordinal))}");
        }

        ValidateId(op.Key, at + ".key");
        if (string.IsNullOrEmpty(op.Action))
        {
            throw new InvalidRequestException(at + ".action", "must not be empty");
        }

        if (actions is not null && !actions.Contains(op.Action))
        {
            throw new InvalidRequestException(at + ".action",
                $"'{Clip(op.Action)}' is not an action of kind '{op.Kind}'; allowed: {string.Join(", ", actions.Order(StringComparer.Ordinal))}");
        }

        if (op.Amount <= 0 || op.Amount > RequestLimits.MaxAmount)
        {
            throw new InvalidRequestException(at + ".amount",
                string.Create(CultureInfo.InvariantCulture, $"must be between 1 and {RequestLimits.MaxAmount}; got {op.Amount}"));
        }
    }

    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-';

    private static string Describe(string? value) => value switch
    {
        null => "; got nothing",
        "" => "; got an empty string",
        { Length: > RequestLimits.MaxIdLength } => string.Create(CultureInfo.InvariantCulture, $"; got {value.Length} characters"),
        _ => $"; got '{Clip(value)}'",
    };

    private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "...";
}
