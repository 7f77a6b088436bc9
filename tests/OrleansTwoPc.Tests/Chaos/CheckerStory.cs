using OrleansTwoPc.Chaos;

namespace OrleansTwoPc.Tests.Chaos;

/// <summary>
/// A small, honest end state for the chaos checker that a test then breaks in one place: deposit <c>d1</c> of 100 into
/// ledger account "a", then transfer <c>t1</c> of 10 from "a" to "b", both completed, answered so to their clients and
/// applied once at every participant (a = 90, b = 10); or, with <paramref name="t1"/> aborted (insufficient funds),
/// applied nowhere (a = 100, b = 0). Every piece is mutable, so each test plants one fault and expects exactly the
/// violation it should cause, and no other.
/// </summary>
internal sealed class CheckerStory
{
    public static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;
    public static readonly DateTimeOffset T1 = T0.AddSeconds(1);

    public static readonly ParticipantId A = new(ParticipantKinds.Ledger, "a");
    public static readonly ParticipantId B = new(ParticipantKinds.Ledger, "b");

    public static readonly TransactionRequest Deposit = TransactionRequest.Deposit("a", 100);
    public static readonly TransactionRequest Transfer = TransactionRequest.Transfer("a", "b", 10);

    public CheckerStory(TransactionStatus t1 = TransactionStatus.Committed)
    {
        var committed = t1 == TransactionStatus.Committed;
        var reason = committed ? null : AbortCodes.InsufficientFunds;
        D1 = History.Start("d1", "deposit", Deposit);
        D1.Add(Answer(Submission.First, TransactionStatus.Committed, T0));
        T1Record = History.Start("t1", "transfer", Transfer);
        T1Record.Add(Answer(Submission.First, t1, T1, reason));
        Statuses["d1"] = Outcome("d1", TransactionStatus.Committed, T0);
        Statuses["t1"] = Outcome("t1", t1, T1, reason: reason);
        if (committed)
        {
            Participant(A, 90, [Ended("d1", Deposit.Operations[0]), Ended("t1", Transfer.Operations[0])]);
            Participant(B, 10, [Ended("t1", Transfer.Operations[1])]);
        }
        else
        {
            Participant(A, 100, [Ended("d1", Deposit.Operations[0])]);
            Participant(B, 0, []);
        }
    }

    public History History { get; } = new();

    public OperationRecord D1 { get; }

    public OperationRecord T1Record { get; }

    public Dictionary<string, TransactionOutcome> Statuses { get; } = new(StringComparer.Ordinal);

    public Dictionary<ParticipantId, ParticipantSnapshot> Snapshots { get; } = [];

    public Dictionary<ParticipantId, long> Values { get; } = [];

    public bool Settled { get; set; } = true;

    /// <summary>Sets a ledger participant's durable state: its balance (snapshot text and read value alike) and trail.</summary>
    public void Participant(ParticipantId id, long balance, List<EndedEntry> ended, List<PreparedEntry>? prepared = null, long held = 0)
    {
        Snapshots[id] = new ParticipantSnapshot
        {
            Kind = id.Kind, Key = id.Key, Value = $"balance={balance} held={held} incoming=0",
            Ended = ended, Prepared = prepared ?? [], EndedCount = ended.Count,
        };
        Values[id] = balance;
    }

    public FinalState Final => new(Statuses, Snapshots, Values, Settled, TimeSpan.Zero);

    public Verdict Check(bool trails = true) => new Checker(History, Final, trails).Check();

    public static EndedEntry Ended(string id, ParticipantOperation operation) => new(id, true, operation, T0);

    public static TransactionOutcome Outcome(string id, TransactionStatus status, DateTimeOffset? decidedAt,
        bool completed = true, string? reason = null) => new()
    {
        OperationId = id,
        Status = status,
        DecidedAt = decidedAt,
        CompletedAt = completed ? decidedAt : null,
        Reason = reason is null ? null : new AbortReason(reason, "planted"),
    };

    public static Response Answer(Submission submission, TransactionStatus status, DateTimeOffset? decidedAt,
        string? reason = null, bool replayed = false) =>
        Response.From(submission, Outcome("?", status, decidedAt, reason: reason) with { Replayed = replayed });
}
