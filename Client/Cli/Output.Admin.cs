using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace OrleansTwoPc.Cli;

/// <summary>The operator commands' rendering: inspect, participant, in-doubt, resolve.</summary>
internal sealed partial class Output
{
    /// <summary>An operation's coordinator record. Always exit 0: the record was read, whatever it says.</summary>
    public int Inspected(CoordinatorSnapshot snapshot, DateTimeOffset now)
    {
        var outcome = snapshot.Outcome;
        var operations = snapshot.Request?.Operations ?? [];
        var participants = new JsonArray();
        for (var i = 0; i < operations.Count; i++)
        {
            var op = operations[i];
            participants.Add(new JsonObject
            {
                ["kind"] = op.Kind, ["key"] = op.Key, ["action"] = op.Action, ["amount"] = op.Amount, ["vote"] = VoteAt(snapshot, i),
            });
        }

        var obj = new JsonObject
        {
            ["operationId"] = snapshot.OperationId,
            ["phase"] = snapshot.Phase,
            ["status"] = Words(outcome.Status).Replace(' ', '-'),
        };
        if (outcome.Reason is { } reason)
        {
            obj["reason"] = new JsonObject { ["code"] = reason.Code, ["message"] = reason.Message };
        }

        obj["decision"] = Decision(outcome);
        obj["participants"] = participants;
        obj["createdAt"] = snapshot.CreatedAt;
        obj["decidedAt"] = outcome.DecidedAt;
        obj["completedAt"] = outcome.CompletedAt;
        obj["epoch"] = snapshot.Epoch;
        obj["fingerprint"] = snapshot.Fingerprint;

        if (snapshot.Phase == "None")
        {
            Answer(obj, $"{snapshot.OperationId}: unknown (no coordinator record for this operation id)");
            return ExitCodes.Success;
        }

        var text = new StringBuilder();
        Field(text, "operation id", snapshot.OperationId);
        Field(text, "phase", snapshot.Phase);
        Field(text, "status", Words(outcome.Status) + (outcome.Reason is { } r ? $" ({r.Code}: {r.Message})" : ""));
        Field(text, "decision", Decision(outcome) switch
        {
            "none" => $"none yet (an operator may abort it: resolve {snapshot.OperationId} --abort)",
            var decided => decided + " (durable; never changes)",
        });
        Field(text, "participants", operations.Count.ToString(CultureInfo.InvariantCulture));
        var width = operations.Count == 0 ? 0 : operations.Max(o => o.Participant.ToString().Length);
        var opWidth = operations.Count == 0 ? 0 : operations.Max(o => Operation(o).Length);
        for (var i = 0; i < operations.Count; i++)
        {
            text.Append("  ").Append(operations[i].Participant.ToString().PadRight(width)).Append("  ")
                .Append(Operation(operations[i]).PadRight(opWidth)).Append("  vote ").AppendLine(VoteAt(snapshot, i));
        }

        Field(text, "created", Time(snapshot.CreatedAt, now));
        Field(text, "decided", Time(outcome.DecidedAt, now));
        Field(text, "completed", Time(outcome.CompletedAt, now));
        Field(text, "epoch", snapshot.Epoch.ToString(CultureInfo.InvariantCulture));
        Field(text, "fingerprint", snapshot.Fingerprint ?? "-");
        Answer(obj, text.ToString().TrimEnd());
        return ExitCodes.Success;
    }

    /// <summary>A participant's committed value, prepared records and ended records.</summary>
    public int Participant(ParticipantSnapshot snapshot, bool trail, DateTimeOffset now)
    {
        var name = $"{snapshot.Kind}/{snapshot.Key}";
        var obj = new JsonObject
        {
            ["kind"] = snapshot.Kind,
            ["key"] = snapshot.Key,
            ["value"] = snapshot.Value,
            ["valueJson"] = JsonNode.Parse(snapshot.ValueJson),
            ["prepared"] = new JsonArray(snapshot.Prepared.Select(p => (JsonNode)new JsonObject
            {
                ["operationId"] = p.OperationId,
                ["epoch"] = p.Epoch,
                ["action"] = p.Operation.Action,
                ["amount"] = p.Operation.Amount,
                ["preparedAt"] = p.PreparedAt,
                ["ageSeconds"] = Math.Round(Math.Max(0, (now - p.PreparedAt).TotalSeconds), 3),
            }).ToArray()),
            ["endedCount"] = snapshot.EndedCount,
        };
        if (trail)
        {
            obj["ended"] = new JsonArray(snapshot.Ended.Select(e => (JsonNode)new JsonObject
            {
                ["operationId"] = e.OperationId,
                ["outcome"] = e.Committed ? "committed" : "aborted",
                ["action"] = e.Operation?.Action,
                ["amount"] = e.Operation?.Amount,
                ["endedAt"] = e.EndedAt,
            }).ToArray());
        }

        var text = new StringBuilder();
        text.Append(name).Append(": ").AppendLine(snapshot.Value.Length == 0 ? "(no value)" : snapshot.Value);
        text.Append("prepared: ").AppendLine(snapshot.Prepared.Count.ToString(CultureInfo.InvariantCulture));
        var idWidth = snapshot.Prepared.Count == 0 ? 0 : snapshot.Prepared.Max(p => p.OperationId.Length);
        var opWidth = snapshot.Prepared.Count == 0 ? 0 : snapshot.Prepared.Max(p => Operation(p.Operation).Length);
        foreach (var p in snapshot.Prepared)
        {
            text.Append("  ").Append(p.OperationId.PadRight(idWidth))
                .Append(CultureInfo.InvariantCulture, $"  epoch {p.Epoch}  ")
                .Append(Operation(p.Operation).PadRight(opWidth))
                .Append("  age ").Append(Age(now - p.PreparedAt))
                .Append("  (since ").Append(Time(p.PreparedAt)).AppendLine(")");
        }

        text.Append(CultureInfo.InvariantCulture, $"ended: {snapshot.EndedCount} remembered")
            .AppendLine(trail || snapshot.EndedCount == 0 ? "" : " (--trail lists them)");
        if (trail)
        {
            var endedWidth = snapshot.Ended.Count == 0 ? 0 : snapshot.Ended.Max(e => e.OperationId.Length);
            var endedOpWidth = snapshot.Ended.Count == 0 ? 0 : snapshot.Ended.Max(e => EndedOperation(e).Length);
            foreach (var e in snapshot.Ended)
            {
                text.Append("  ").Append(e.OperationId.PadRight(endedWidth)).Append("  ")
                    .Append((e.Committed ? "committed" : "aborted").PadRight(9)).Append("  ")
                    .Append(EndedOperation(e).PadRight(endedOpWidth)).Append("  ").AppendLine(Time(e.EndedAt));
            }
        }

        Answer(obj, text.ToString().TrimEnd());
        return ExitCodes.Success;
    }

    /// <summary>
    /// The registry's unfinished transactions, oldest first, with the phase each coordinator reported. Entries whose
    /// coordinator turns out completed (the registry forgets lazily) or has no record are left out and counted.
    /// </summary>
    /// <param name="snapshots">Each entry's coordinator record; null when listing the registry only (no phase then).</param>
    public int InDoubt(int shards, IReadOnlyList<PendingOperation> pending, IReadOnlyList<CoordinatorSnapshot?>? snapshots,
        IReadOnlyList<string?>? errors, DateTimeOffset now)
    {
        var rows = new List<(PendingOperation Entry, string Phase, CoordinatorSnapshot? Snapshot, string? Error)>();
        var finished = 0;
        for (var i = 0; i < pending.Count; i++)
        {
            if (snapshots?[i] is { Phase: "Completed" or "None" })
            {
                finished++;
                continue;
            }

            rows.Add((pending[i], snapshots is null ? "" : snapshots[i]?.Phase ?? "?", snapshots?[i], errors?[i]));
        }

        var obj = new JsonObject
        {
            ["shards"] = shards,
            ["count"] = rows.Count,
            ["operations"] = new JsonArray(rows.Select(row =>
            {
                var item = new JsonObject
                {
                    ["operationId"] = row.Entry.OperationId,
                    ["startedAt"] = row.Entry.StartedAt,
                    ["ageSeconds"] = Math.Round(Math.Max(0, (now - row.Entry.StartedAt).TotalSeconds), 3),
                };
                if (snapshots is not null)
                {
                    item["phase"] = row.Phase;
                }

                if (row.Snapshot is { } snapshot)
                {
                    item["status"] = Words(snapshot.Outcome.Status).Replace(' ', '-');
                }

                if (row.Error is { } error)
                {
                    item["error"] = error;
                }

                return (JsonNode)item;
            }).ToArray()),
        };
        if (snapshots is not null)
        {
            obj["alreadyFinished"] = finished;
        }


        var text = new StringBuilder();
        var inShards = string.Create(CultureInfo.InvariantCulture, $"in {shards} shard{(shards == 1 ? "" : "s")}");
        if (rows.Count == 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"no unfinished transactions {inShards}").AppendLine();
        }
        else
        {
            var how = snapshots is null ? " (registry only: not inspected, phase unknown)" : "";
            text.Append(CultureInfo.InvariantCulture,
                $"{rows.Count} unfinished transaction{(rows.Count == 1 ? "" : "s")} {inShards}, oldest first{how}:").AppendLine();
            var idWidth = rows.Max(r => r.Entry.OperationId.Length);
            var ageWidth = rows.Max(r => Age(now - r.Entry.StartedAt).Length);
            var phaseWidth = rows.Max(r => r.Phase.Length);
            foreach (var row in rows)
            {
                text.Append("  ").Append(row.Entry.OperationId.PadRight(idWidth))
                    .Append("  age ").Append(Age(now - row.Entry.StartedAt).PadRight(ageWidth))
                    .Append(phaseWidth == 0 ? "" : "  " + row.Phase.PadRight(phaseWidth))
                    .Append("  started ").Append(Time(row.Entry.StartedAt))
                    .AppendLine(row.Error is { } error ? $"  (inspect failed: {error})" : "");
            }
        }

        if (finished > 0)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"({finished} more registry entr{(finished == 1 ? "y has" : "ies have")} already finished; the next recovery sweep drops {(finished == 1 ? "it" : "them")})").AppendLine();
        }

        Answer(obj, text.ToString().TrimEnd());
        return ExitCodes.Success;
    }

    /// <summary>
    /// The outcome of an operator abort: exit 0 when the transaction ended aborted; exit 1 when it turned out
    /// committed (a one-phase commit had already applied, so the abort came too late).
    /// </summary>
    public int Resolved(TransactionOutcome outcome)
    {
        var aborted = outcome.Status == TransactionStatus.Aborted;
        var line = $"{outcome.OperationId}: {Words(outcome.Status)}";
        var obj = new JsonObject
        {
            ["operationId"] = outcome.OperationId,
            ["status"] = Words(outcome.Status).Replace(' ', '-'),
            ["aborted"] = aborted,
        };
        if (outcome.Reason is { } reason)
        {
            line += $" ({reason.Code}: {reason.Message})";
            obj["reason"] = new JsonObject { ["code"] = reason.Code, ["message"] = reason.Message };
        }

        if (outcome.DecidedAt is { } decidedAt)
        {
            obj["decidedAt"] = decidedAt;
        }

        Answer(obj, line);
        if (aborted)
        {
            return ExitCodes.Success;
        }

        if (!json)
        {
            stderr.WriteLine($"not aborted: the transaction {Words(outcome.Status)} before the abort took effect");
        }

        return ExitCodes.Error;
    }

    private static string Decision(TransactionOutcome outcome) => outcome.Status switch
    {
        TransactionStatus.Committed => "commit",
        TransactionStatus.Aborted => "abort",
        _ => "none",
    };

    private static string VoteAt(CoordinatorSnapshot snapshot, int index) =>
        index < snapshot.Votes.Count ? snapshot.Votes[index] : "-";

    private static string Operation(ParticipantOperation op) => string.Create(CultureInfo.InvariantCulture, $"{op.Action} {op.Amount}");

    private static string EndedOperation(EndedEntry entry) => entry.Operation is { } op ? Operation(op) : "-";

    private static void Field(StringBuilder text, string name, string value) =>
        text.Append((name + ":").PadRight(14)).AppendLine(value);

    private static string Time(DateTimeOffset? at, DateTimeOffset now) =>
        at is { } t ? $"{Time(t)} ({Age(now - t)} ago)" : "-";

    private static string Time(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A short age: <c>4s</c>, <c>2m05s</c>, <c>3h07m</c>, <c>2d04h</c>.</summary>
    internal static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        return age switch
        {
            { TotalMinutes: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalSeconds}s"),
            { TotalHours: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{age.Minutes}m{age.Seconds:00}s"),
            { TotalDays: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{age.Hours}h{age.Minutes:00}m"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalDays}d{age.Hours:00}h"),
        };
    }
}
