using System.Text.Json.Serialization;

namespace OrleansTwoPc.Http;

/// <summary>
/// The body of <c>POST /transactions</c>: the request file of <c>submit --file</c> (read by <see cref="RequestJson"/>;
/// this type only describes it in the OpenAPI document).
/// </summary>
/// <param name="Operations">One operation per participant, 1 to <c>TwoPc:MaxParticipants</c> (default 16).</param>
/// <param name="CreatedAt">When the operation id (the Idempotency-Key) was first used, the same on every retry; required unless the key is time-ordered (ends in a UUIDv7).</param>
public sealed record TransactionBody(IReadOnlyList<OperationBody> Operations, DateTimeOffset? CreatedAt = null);

/// <summary>One participant's operation.</summary>
/// <param name="Kind">The participant kind, e.g. <c>ledger</c> or <c>inventory</c>.</param>
/// <param name="Key">The participant key, 1 to 128 characters of A-Z a-z 0-9 . _ : -.</param>
/// <param name="Action">The kind's action, e.g. <c>debit</c>, <c>credit</c>, <c>reserve</c>, <c>restock</c>.</param>
/// <param name="Amount">A whole amount from 1 to 10^15.</param>
public sealed record OperationBody(string Kind, string Key, string Action, long Amount);

/// <summary>Why a transaction aborted: a stable code and a message.</summary>
public sealed record AbortReasonBody(string Code, string Message);

/// <summary>
/// The outcome of an operation id. <c>POST /transactions</c> answers the same body for every retry of a key (decided:
/// <c>committed</c> or <c>aborted</c>; or <c>in-progress</c> with 202); <c>GET /transactions/{id}</c> adds when every
/// participant had applied the decision.
/// </summary>
/// <param name="OperationId">The operation id (the Idempotency-Key).</param>
/// <param name="Status"><c>in-progress</c>, <c>committed</c> or <c>aborted</c>.</param>
/// <param name="Reason">Why it aborted (aborted only).</param>
/// <param name="DecidedAt">When the decision became durable.</param>
/// <param name="CompletedAt">When every participant had applied it (GET only).</param>
public sealed record TransactionResult(
    string OperationId,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AbortReasonBody? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? DecidedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? CompletedAt)
{
    internal static TransactionResult From(TransactionOutcome outcome, bool withCompletion) => new(
        outcome.OperationId,
        StatusWord(outcome.Status),
        outcome.Reason is { } reason ? new AbortReasonBody(reason.Code, reason.Message) : null,
        outcome.DecidedAt,
        withCompletion ? outcome.CompletedAt : null);

    internal static string StatusWord(TransactionStatus status) => status switch
    {
        TransactionStatus.InProgress => "in-progress",
        TransactionStatus.Committed => "committed",
        TransactionStatus.Aborted => "aborted",
        _ => "unknown",
    };
}

/// <summary>A participant's committed value, the prepared records it holds, and how many ended records it remembers.</summary>
public sealed record ParticipantResult(string Kind, string Key, string Value, IReadOnlyList<PreparedBody> Prepared, int EndedCount);

/// <summary>A prepared record: the operation a participant holds for an undecided transaction.</summary>
public sealed record PreparedBody(string OperationId, long Epoch, string Action, long Amount, DateTimeOffset PreparedAt);

/// <summary>The unfinished transactions across the recovery registry's shards, oldest first.</summary>
/// <param name="Shards">Shards read (<c>TwoPc:Http:RecoveryShards</c>).</param>
/// <param name="Transactions">Each unfinished transaction; with its phase unless <c>registryOnly</c>.</param>
/// <param name="AlreadyCompleted">Registry entries whose coordinator has completed (the next recovery sweep drops them); 0 with <c>registryOnly</c>.</param>
public sealed record InDoubtResult(int Shards, IReadOnlyList<InDoubtEntry> Transactions, int AlreadyCompleted);

/// <summary>One unfinished transaction.</summary>
public sealed record InDoubtEntry(
    string OperationId,
    DateTimeOffset StartedAt,
    double AgeSeconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Phase,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);

/// <summary>A coordinator record, as <c>inspect</c> shows it.</summary>
/// <param name="Decision"><c>commit</c>, <c>abort</c> (both durable, never change) or <c>none</c>.</param>
public sealed record InspectResult(
    string OperationId,
    string Phase,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AbortReasonBody? Reason,
    string Decision,
    IReadOnlyList<InspectedParticipant> Participants,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? DecidedAt,
    DateTimeOffset? CompletedAt,
    long Epoch,
    string? Fingerprint);

/// <summary>One participant of an inspected transaction, with its vote (<c>yes</c>, <c>no (code: message)</c>, or <c>-</c>).</summary>
public sealed record InspectedParticipant(string Kind, string Key, string Action, long Amount, string Vote);
