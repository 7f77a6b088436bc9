using System.Collections.Concurrent;

namespace OrleansTwoPc.Chaos;

/// <summary>How a client came to send a request under an id.</summary>
public enum Submission
{
    /// <summary>The first (and usually only) submission.</summary>
    First,

    /// <summary>Sent again after an earlier submission of the same id had finished: must replay its outcome.</summary>
    Replay,

    /// <summary>One of several concurrent submissions of the same id: all must get the one outcome.</summary>
    ConcurrentDuplicate,

    /// <summary>A status query made while the id ran: a decided status it reports must be the final one.</summary>
    StatusProbe,
}

/// <summary>
/// One answer a client got for an id: a definite outcome (status, reason code, decision time) or the exception type
/// when it got none.
/// </summary>
public sealed record Response(
    Submission Submission,
    TransactionStatus? Status,
    string? ReasonCode,
    DateTimeOffset? DecidedAt,
    bool Replayed,
    string? Error,
    string? ErrorMessage)
{
    public bool IsDefinite => Status is TransactionStatus.Committed or TransactionStatus.Aborted;

    /// <summary>When the client got it (for the report's timeline, not for the checker).</summary>
    public DateTimeOffset At { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>
    /// Submitted through a silo's HTTP API (<see cref="HttpSubmitter"/>) instead of the Orleans client. The checker
    /// judges both alike; the run counts them, and the evidence says which way each answer came.
    /// </summary>
    public bool ViaHttp { get; init; }

    public static Response From(Submission submission, TransactionOutcome outcome) =>
        new(submission, outcome.Status, outcome.Reason?.Code, outcome.DecidedAt, outcome.Replayed, null, outcome.Reason?.Message);

    public static Response From(Submission submission, Exception error) =>
        new(submission, null, null, null, false, error.GetType().Name, (error.InnerException ?? error).Message);

    public override string ToString() => (Status is null
        ? $"{Submission}: {Error} ({ErrorMessage})"
        : $"{Submission}: {Status}{(ReasonCode is null ? "" : " " + ReasonCode)} decided {DecidedAt:HH:mm:ss.fff}{(Replayed ? " replayed" : "")}")
        + (ViaHttp ? " via HTTP" : "");
}

/// <summary>An operation id the workload submitted: its request and every answer any client got for it.</summary>
public sealed class OperationRecord(string id, string kind, TransactionRequest request)
{
    private readonly List<Response> _responses = [];

    public string Id { get; } = id;

    /// <summary>What the operation is for (setup, transfer, order, deposit, restock, or a compare-mode intent).</summary>
    public string Kind { get; } = kind;

    public TransactionRequest Request { get; } = request;

    /// <summary>The compare-mode intent this id tries to fulfil; null in the exactly-once run.</summary>
    public int? Intent { get; init; }

    public IReadOnlyList<Response> Responses
    {
        get
        {
            lock (_responses)
            {
                return _responses.ToList();
            }
        }
    }

    public void Add(Response response)
    {
        lock (_responses)
        {
            _responses.Add(response);
        }
    }
}

/// <summary>Everything the clients did, recorded as they went. Thread-safe.</summary>
public sealed class History
{
    private readonly ConcurrentDictionary<string, OperationRecord> _operations = new(StringComparer.Ordinal);
    private int _replays;
    private int _duplicateGroups;
    private int _retries;

    /// <summary>A snapshot, ordered by id so reports read the same for the same seed.</summary>
    public IReadOnlyList<OperationRecord> Operations => _operations.Values.OrderBy(o => o.Id, StringComparer.Ordinal).ToList();

    public int Replays => Volatile.Read(ref _replays);

    public int DuplicateGroups => Volatile.Read(ref _duplicateGroups);

    /// <summary>Retries <see cref="OrleansTwoPc.Client.TransactionClient"/> made (its Retrying event).</summary>
    public int Retries => Volatile.Read(ref _retries);

    public OperationRecord Start(string id, string kind, TransactionRequest request, int? intent = null)
    {
        var record = new OperationRecord(id, kind, request) { Intent = intent };
        if (!_operations.TryAdd(id, record))
        {
            throw new InvalidOperationException($"the workload reused operation id {id}");
        }

        return record;
    }

    public void CountReplay() => Interlocked.Increment(ref _replays);

    public void CountDuplicateGroup() => Interlocked.Increment(ref _duplicateGroups);

    public void CountRetry() => Interlocked.Increment(ref _retries);
}
