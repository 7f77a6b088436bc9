namespace OrleansTwoPc.Chaos;

/// <summary>
/// Judges a run from two independent sources: what clients were told (the <see cref="History"/>) and what the cluster
/// durably holds afterwards (coordinator statuses, participant trails and values). Per id: lost, mismatched, torn,
/// stuck. Per participant: its value must equal its initial value plus the operations its trail says it committed
/// (a second application of one id would break that, since the trail holds each id once); money and stock must be
/// conserved against the committed statuses. Recomputing from the trail assumes it still holds every entry of the
/// run, which the service's retention period (days) guarantees for a run of minutes.
/// Without <paramref name="trails"/> (participants that forget completed operations, the service's default) the
/// per-id evidence is gone, so each participant's value must instead equal the sum of the committed operations that
/// name it (every participant starts at zero: setup deposits are operations too); an effect applied twice or a
/// committed one missing shows there, a torn transaction as one or more such participants.
/// </summary>
public sealed class Checker(History history, FinalState final, bool trails = true)
{
    private readonly IReadOnlyList<OperationRecord> _operations = history.Operations;
    private readonly HashSet<string> _submitted = history.Operations.Select(o => o.Id).ToHashSet(StringComparer.Ordinal);
    private readonly Dictionary<ParticipantId, Dictionary<string, EndedEntry>> _trails = final.Participants.ToDictionary(
        p => p.Key, p => p.Value.Ended.ToDictionary(e => e.OperationId, StringComparer.Ordinal));

    // Each participant's value as the committed statuses predict it.
    private readonly Dictionary<ParticipantId, long> _committed = history.Operations
        .Where(o => final.Statuses.TryGetValue(o.Id, out var s) && s.Status == TransactionStatus.Committed)
        .SelectMany(o => o.Request.Operations)
        .GroupBy(op => op.Participant)
        .ToDictionary(g => g.Key, g => g.Sum(Signed));

    public Verdict Check()
    {
        var verdict = new Verdict();
        foreach (var operation in _operations)
        {
            CheckOperation(operation, verdict);
        }

        foreach (var (participant, snapshot) in final.Participants)
        {
            CheckParticipant(participant, snapshot, verdict);
        }

        CheckConservation(verdict);
        return verdict;
    }

    private void CheckOperation(OperationRecord operation, Verdict verdict)
    {
        var id = operation.Id;
        var clientCommitted = operation.Responses.Any(r => r.Status == TransactionStatus.Committed);
        if (!final.Statuses.TryGetValue(id, out var status))
        {
            verdict.AddStuck(id, "status unreadable after quiescence; " + Describe(operation, null));
            return;
        }

        var undone = status.Status is TransactionStatus.Aborted or TransactionStatus.Unknown;
        if (clientCommitted && undone)
        {
            verdict.AddLost(id, $"client was told committed, final status {status.Status}; " + Describe(operation, status));
        }

        verdict.NeverRan += status.Status == TransactionStatus.Unknown ? 1 : 0;
        if (status.Status != TransactionStatus.Unknown && !status.IsCompleted)
        {
            verdict.AddStuck(id, "not completed after quiescence; " + Describe(operation, status));
        }

        if (trails)
        {
            CheckTrails(operation, status, clientCommitted, undone, verdict);
        }

        CheckResponses(operation, status, verdict);
    }

    /// <summary>Per id and participant: a committed id applied everywhere, as requested; an aborted one nowhere.</summary>
    private void CheckTrails(OperationRecord operation, TransactionOutcome status, bool clientCommitted, bool undone, Verdict verdict)
    {
        var id = operation.Id;
        var entries = operation.Request.Operations.Select(op => (Op: op, Entry: Entry(op.Participant, id))).ToList();
        var applied = entries.Where(e => e.Entry is { Committed: true }).ToList();
        var missing = entries.Count - applied.Count;
        if (status.Status == TransactionStatus.Committed && missing > 0)
        {
            if (clientCommitted)
            {
                verdict.AddLost(id, $"client was told committed, {missing} of {entries.Count} participants lack the effect; " + Describe(operation, status));
            }

            verdict.AddTorn(id, $"committed, but {missing} of {entries.Count} participants have no committed entry; " + Describe(operation, status));
        }
        else if (undone && applied.Count > 0)
        {
            verdict.AddTorn(id, $"status {status.Status}, but {applied.Count} participants committed it; " + Describe(operation, status));
        }

        foreach (var (op, entry) in applied.Where(a => a.Entry!.Operation != a.Op))
        {
            verdict.AddTorn(id, $"{op.Participant} applied {entry!.Operation} instead of {op}");
        }
    }

    private void CheckResponses(OperationRecord operation, TransactionOutcome status, Verdict verdict)
    {
        var decidedBefore = false;
        foreach (var response in operation.Responses)
        {
            if (response.Error is nameof(InvalidRequestException) or nameof(OperationConflictException) || response.Status is not null && !response.IsDefinite)
            {
                verdict.AddMismatched(operation.Id, $"a client got {response} for a valid, unchanged request; " + Describe(operation, status));
            }
            else if (response.IsDefinite && (response.Status != status.Status || response.ReasonCode != status.Reason?.Code))
            {
                verdict.AddMismatched(operation.Id, $"a client got {response}; " + Describe(operation, status));
            }
            else if (response.IsDefinite && response.DecidedAt != status.DecidedAt)
            {
                // Same status, another decision time: two decisions were made for one id.
                verdict.AddMismatched(operation.Id, $"a client got {response}, another decision than the final one; " + Describe(operation, status));
            }

            if (response is { Submission: Submission.Replay, Replayed: false } && response.IsDefinite && decidedBefore)
            {
                verdict.ReplayFlagMissing++;
            }

            decidedBefore |= response.IsDefinite;
        }
    }

    private void CheckParticipant(ParticipantId participant, ParticipantSnapshot snapshot, Verdict verdict)
    {
        var fields = FinalState.Fields(snapshot);
        var actual = final.CommittedValues[participant];
        var recomputed = trails
            ? _trails[participant].Values.Where(e => e.Committed && e.Operation is not null).Sum(e => Signed(e.Operation!))
            : _committed.GetValueOrDefault(participant);
        if (recomputed != actual || fields.GetValueOrDefault(participant.Kind == ParticipantKinds.Ledger ? "balance" : "stock", actual) != actual)
        {
            verdict.AddDuplicated(participant.ToString(), trails
                ? $"value {actual} ({snapshot.Value}) but its trail's committed operations sum to {recomputed}"
                : $"value {actual} ({snapshot.Value}) but the committed operations naming it sum to {recomputed} (an effect applied twice, or a committed one missing)"
                    + Suspects(participant, actual - recomputed));
        }

        foreach (var entry in snapshot.Ended.Where(e => e.Committed))
        {
            if (!_submitted.Contains(entry.OperationId))
            {
                verdict.AddDuplicated(participant.ToString(), $"committed {entry.OperationId}, an id no client submitted");
            }
        }

        foreach (var prepared in snapshot.Prepared)
        {
            verdict.AddStuck($"{participant}/{prepared.OperationId}",
                $"still prepared (attempt {prepared.Epoch}, {prepared.Operation}) after quiescence; coordinator {Status(prepared.OperationId)}");
        }

        var holds = fields.Where(f => f.Key is "held" or "incoming" or "reserved" && f.Value != 0).ToList();
        if (snapshot.Prepared.Count == 0 && holds.Count > 0)
        {
            verdict.AddStuck(participant.ToString(), $"no prepared record but reservations remain: {snapshot.Value}");
        }
    }

    /// <summary>
    /// Without trails, a hint for the evidence: the operations naming the participant whose effect there is exactly
    /// <paramref name="difference"/>, and which did not commit (applied though aborted) or did (applied twice, or lost).
    /// </summary>
    private string Suspects(ParticipantId participant, long difference)
    {
        var suspects = _operations
            .Where(o => o.Request.Operations.Any(op => op.Participant == participant && Math.Abs(Signed(op)) == Math.Abs(difference)))
            .Select(o => $"{o.Id} {o.Kind} ({(final.Statuses.TryGetValue(o.Id, out var s) ? s.Status.ToString() + (s.Reason is null ? "" : " " + s.Reason.Code) : "unreadable")})")
            .ToList();
        return suspects.Count == 0 ? "" : $"; operations with an effect of that size there: {string.Join(", ", suspects.Take(5))}{(suspects.Count > 5 ? ", ..." : "")}";
    }

    private void CheckConservation(Verdict verdict)
    {
        foreach (var kind in new[] { ParticipantKinds.Ledger, ParticipantKinds.Inventory })
        {
            // Transfers and orders move money between accounts; only deposits change the total. Stock changes by
            // restocks and reservations. Either way: the committed statuses predict the total exactly.
            var expected = _committed.Where(v => v.Key.Kind == kind).Sum(v => v.Value);
            var actual = final.CommittedValues.Where(v => v.Key.Kind == kind).Sum(v => v.Value);
            if (expected != actual)
            {
                verdict.AddDuplicated($"total {kind}", $"participants hold {actual}, committed operations add up to {expected}");
            }
        }
    }

    private static long Signed(ParticipantOperation op) =>
        op.Action is LedgerActions.Debit or InventoryActions.Reserve ? -op.Amount : op.Amount;

    private EndedEntry? Entry(ParticipantId participant, string id) =>
        _trails.TryGetValue(participant, out var trail) && trail.TryGetValue(id, out var entry) ? entry : null;

    private string Status(string id) => final.Statuses.TryGetValue(id, out var s) ? s.ToString() : "unreadable";

    /// <summary>The whole story of an id: coordinator status, each participant's trail and prepared record, every response.</summary>
    private string Describe(OperationRecord operation, TransactionOutcome? status)
    {
        var parts = operation.Request.Operations.Select(op =>
        {
            var entry = Entry(op.Participant, operation.Id);
            var prepared = final.Participants.TryGetValue(op.Participant, out var snap)
                && snap.Prepared.Any(p => p.OperationId == operation.Id) ? " +prepared" : "";
            var trail = entry is null ? "no trail entry" : entry.Committed ? $"committed {entry.Operation}" : "aborted";
            return $"{op.Participant}: {trail}{prepared}";
        });
        var completed = status?.CompletedAt is null ? "not completed" : "completed";
        return $"coordinator {(status is null ? "?" : status.ToString())} ({completed}, decided {status?.DecidedAt:HH:mm:ss.fff}); "
            + $"trails [{string.Join("; ", parts)}]; responses [{string.Join("; ", operation.Responses)}]";
    }
}
