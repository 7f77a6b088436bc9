using OrleansTwoPc.Faults;

namespace OrleansTwoPc.Protocol;

/// <summary>
/// The participant side of two-phase commit, as plain transitions over <see cref="ParticipantState{TValue}"/>.
/// Each handler changes state in memory within one grain turn, then awaits a group-committed write before it
/// answers, so every answer reflects durable state. Handlers are idempotent by operation id.
/// </summary>
/// <param name="state">The working state; mutated only here.</param>
/// <param name="rules">The kind's business rules.</param>
/// <param name="write">Makes the current state durable (with an ETag check).</param>
/// <param name="time">Clock for record timestamps.</param>
/// <param name="settings">Limits, retention and hooks; defaults when null.</param>
public sealed class ParticipantProtocol<TValue>(
    ParticipantState<TValue> state,
    ParticipantRules<TValue> rules,
    Func<Task> write,
    TimeProvider time,
    ParticipantSettings? settings = null) where TValue : new()
{
    private readonly GroupCommit _writer = new(write);
    private readonly ParticipantSettings _settings = settings ?? new ParticipantSettings();
    private readonly IFaultInjector _faults = settings?.Faults ?? NoFaults.Instance;
    private int _endedSincePrune;

    public ParticipantState<TValue> State => state;

    public async Task<Vote> PrepareAsync(string operationId, long epoch, ParticipantOperation operation)
    {
        CheckAddressed(operation);
        if (state.Ended.TryGetValue(operationId, out var ended))
        {
            // A duplicate or late prepare: answer from the trail, never reserve twice.
            await _writer.SettleAsync();
            return ended.Committed ? Vote.Yes : Vote.No(AbortCodes.Fenced, $"{operationId} already aborted at {operation.Participant}");
        }

        if (state.Prepared.TryGetValue(operationId, out var prepared))
        {
            Invariant.That(prepared.Operation == operation,
                $"{operationId}: prepared {prepared.Operation} at {operation.Participant} but asked to prepare {operation}");
            if (prepared.Epoch > epoch)
            {
                return Vote.No(AbortCodes.Fenced, $"{operationId}: attempt {epoch} is older than prepared attempt {prepared.Epoch}");
            }

            state.Prepared[operationId] = prepared with { Epoch = epoch };
            await _writer.FlushAsync();
            return Vote.Yes;
        }

        if (state.Prepared.Count >= _settings.MaxPrepared)
        {
            // Back-pressure: a participant that cannot keep up says so instead of growing without bound.
            return Vote.No(AbortCodes.ParticipantBusy,
                $"{operation.Participant} already holds {state.Prepared.Count} prepared operations (limit {_settings.MaxPrepared})");
        }

        var vote = rules.Reserve(state.Value, operation);
        if (!vote.IsYes)
        {
            // Nothing reserved, nothing to make durable: presumed abort needs no record of a no vote.
            return vote;
        }

        var preparedAt = time.GetUtcNow();
        state.Prepared[operationId] = new PreparedRecord(epoch, operation, preparedAt);
        _settings.PreparedChanged?.Invoke(operationId, preparedAt);
        rules.CheckInvariants(state.Value);
        await _writer.FlushAsync();
        await _faults.AtAsync(FaultPoint.PrepareWritten, operationId);
        return Vote.Yes;
    }

    public async Task CommitAsync(string operationId, long epoch)
    {
        if (state.Ended.TryGetValue(operationId, out var ended))
        {
            Invariant.That(ended.Committed, $"{operationId}: commit after it aborted here");
            await _writer.SettleAsync();
            return;
        }

        // The decision is durable and never changes, so a commit from any attempt is right; no epoch check needed.
        if (!state.Prepared.Remove(operationId, out var prepared))
        {
            // A commit decision needs this participant's durable prepared record, and only applying removes it. So no
            // record at all means it was applied and then forgotten after the coordinator completed: this is a late
            // copy of a commit already done. With the trail kept, that cannot happen, and it stays an invariant.
            Invariant.That(!_settings.KeepTrail, $"{operationId}: commit without a prepared record");
            await _writer.SettleAsync();
            return;
        }

        _settings.PreparedChanged?.Invoke(operationId, null);
        rules.Apply(state.Value, prepared!.Operation);
        AddEnded(operationId, new EndedRecord(true, Math.Max(epoch, prepared.Epoch), prepared.Operation, time.GetUtcNow()));
        rules.CheckInvariants(state.Value);
        await _writer.FlushAsync();
        await _faults.AtAsync(FaultPoint.ParticipantApplied, operationId);
    }

    public async Task<TransactionStatus> AbortAsync(string operationId, long epoch)
    {
        if (state.Ended.TryGetValue(operationId, out var ended))
        {
            await _writer.SettleAsync();
            return ended.Committed ? TransactionStatus.Committed : TransactionStatus.Aborted;
        }

        if (state.Prepared.TryGetValue(operationId, out var prepared))
        {
            Release(operationId, prepared);
        }

        // Remember the abort even when nothing was prepared: a prepare still in flight must find this and refuse.
        AddEnded(operationId, new EndedRecord(false, epoch, null, time.GetUtcNow()));
        await _writer.FlushAsync();
        return TransactionStatus.Aborted;
    }

    public async Task<Vote> CommitOnePhaseAsync(string operationId, long epoch, ParticipantOperation operation)
    {
        CheckAddressed(operation);
        if (state.Ended.TryGetValue(operationId, out var ended))
        {
            await _writer.SettleAsync();
            return ended.Committed ? Vote.Yes : Vote.No(AbortCodes.Fenced, $"{operationId} already aborted at {operation.Participant}");
        }

        Invariant.That(!state.Prepared.ContainsKey(operationId), $"{operationId}: one-phase commit of a prepared transaction");
        var vote = rules.Reserve(state.Value, operation);
        if (!vote.IsYes)
        {
            return vote;
        }

        rules.Apply(state.Value, operation);
        AddEnded(operationId, new EndedRecord(true, epoch, operation, time.GetUtcNow()));
        rules.CheckInvariants(state.Value);
        await _writer.FlushAsync();
        return Vote.Yes;
    }

    /// <summary>
    /// Cooperative termination: for each prepared record older than <paramref name="decisionTimeout"/>, ask the
    /// coordinator and apply its answer here. Asking also wakes a crashed coordinator, whose activation resumes the
    /// record. Unknown means the record is gone (expired), which under presumed abort means abort. In progress means
    /// wait: a prepared record is never released by a timeout alone.
    /// </summary>
    /// <returns>How many prepared records remain.</returns>
    public async Task<int> ResolveStaleAsync(TimeSpan decisionTimeout, Func<string, Task<TransactionOutcome>> ask)
    {
        var cutoff = time.GetUtcNow() - decisionTimeout;
        var stale = state.Prepared.Where(p => p.Value.PreparedAt <= cutoff).ToList();
        foreach (var (operationId, prepared) in stale)
        {
            TransactionOutcome outcome;
            try
            {
                outcome = await ask(operationId);
            }
            catch (Exception ex) when (ex is not ProtocolInvariantException)
            {
                continue; // the coordinator is unreachable for now; the next tick asks again
            }

            if (!state.Prepared.ContainsKey(operationId))
            {
                continue; // the decision arrived while we asked
            }

            switch (outcome.Status)
            {
                case TransactionStatus.Committed when outcome.IsCompleted:
                    // Completed means every participant, this one included, applied it and acknowledged: this prepared
                    // record came from a prepare delivered after the entry was forgotten. Applying it would apply the
                    // operation twice; release it instead (no abort entry: the transaction did commit).
                    Release(operationId, prepared);
                    await _writer.FlushAsync();
                    break;
                case TransactionStatus.Committed:
                    await CommitAsync(operationId, prepared.Epoch);
                    break;
                case TransactionStatus.Aborted or TransactionStatus.Unknown:
                    await AbortAsync(operationId, prepared.Epoch);
                    break;
            }
        }

        return state.Prepared.Count;
    }

    /// <summary>
    /// The coordinator has completed <paramref name="operationId"/>: every participant it told has made its outcome
    /// durable, and the coordinator itself answers any later question from its own record. The ended entry is no
    /// longer needed here; dropping it keeps a busy participant's state (written whole at every write) small. It is
    /// dropped in memory and the removal becomes durable with the next write; a crash before that only keeps it longer.
    /// A prepare delivered after this creates a stray prepared record, which <see cref="ResolveStaleAsync"/> releases
    /// when the coordinator says the transaction completed.
    /// </summary>
    public void Forget(string operationId)
    {
        if (!_settings.KeepTrail)
        {
            state.Ended.Remove(operationId);
        }
    }

    /// <summary>Undoes a prepared record's reservation and drops the record (no ended entry: callers decide that).</summary>
    private void Release(string operationId, PreparedRecord prepared)
    {
        rules.Release(state.Value, prepared.Operation);
        state.Prepared.Remove(operationId);
        _settings.PreparedChanged?.Invoke(operationId, null);
        rules.CheckInvariants(state.Value);
    }

    /// <summary>Reads the committed value once every change made so far is durable, so a read never shows undurable effects.</summary>
    public async Task<T> ReadAsync<T>(Func<TValue, T> read)
    {
        var result = read(state.Value);
        await _writer.SettleAsync();
        return result;
    }

    /// <summary>
    /// Adds to the trail and, every so often, drops entries older than the retention period, so a participant's
    /// state stays bounded under steady load. Requests that old are refused as expired by the coordinator, so no
    /// duplicate can arrive that would need the dropped entry.
    /// </summary>
    private void AddEnded(string operationId, EndedRecord ended)
    {
        state.Ended[operationId] = ended;
        if (++_endedSincePrune < _settings.PruneEvery)
        {
            return;
        }

        _endedSincePrune = 0;
        PruneExpired();
    }

    /// <summary>Drops ended records older than the retention period; returns how many.</summary>
    public int PruneExpired()
    {
        var cutoff = time.GetUtcNow() - _settings.Retention;
        var expired = state.Ended.Where(e => e.Value.EndedAt < cutoff).Select(e => e.Key).ToList();
        foreach (var id in expired)
        {
            state.Ended.Remove(id);
        }

        return expired.Count;
    }

    private void CheckAddressed(ParticipantOperation operation)
    {
        Invariant.That(operation.Kind == rules.Kind, $"operation {operation} sent to a {rules.Kind} participant");
        Invariant.That(rules.Actions.Contains(operation.Action), $"action '{operation.Action}' is not one of kind {rules.Kind}");
    }
}

/// <summary>A participant's limits, retention and hooks.</summary>
public sealed record ParticipantSettings
{
    /// <summary>Most prepared records one participant holds; further prepares vote no (<c>participant-busy</c>).</summary>
    public int MaxPrepared { get; init; } = 1000;

    /// <summary>How long ended records are kept for dedupe.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Keep every ended record for <see cref="Retention"/> instead of forgetting it once its coordinator completed:
    /// an audit trail (the chaos checker reads it), at the price of a state that grows with the operation rate.
    /// </summary>
    public bool KeepTrail { get; init; }

    /// <summary>Prune the trail once per this many new ended records.</summary>
    public int PruneEvery { get; init; } = 256;

    public IFaultInjector Faults { get; init; } = NoFaults.Instance;

    /// <summary>Called with (operation id, prepared time) when a prepared record appears, (id, null) when it goes.</summary>
    public Action<string, DateTimeOffset?>? PreparedChanged { get; init; }
}
