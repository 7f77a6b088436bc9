using OrleansTwoPc.Faults;

namespace OrleansTwoPc.Protocol;

/// <summary>
/// The participant side of two-phase commit, as plain transitions over <see cref="ParticipantState{TValue}"/>.
/// Each handler changes state in memory within one grain turn, then awaits a group-committed write before it
/// answers, so every answer reflects durable state. Handlers are idempotent by operation id, and written for
/// messages that arrive late, from older attempts, or at an activation that is not the live one:
/// <list type="bullet">
/// <item>every operation is validated here too: any cluster client can call a participant;</item>
/// <item>an answer that rests on having no record is given only after a version-checked write proves this
/// activation current;</item>
/// <item>after any failure (a write that may or may not have landed, a broken invariant) this activation is broken:
/// it writes nothing more and answers nothing, and the grain deactivates so the next activation reads the truth.</item>
/// </list>
/// </summary>
/// <param name="key">This participant's key; operations addressed to another key are refused.</param>
/// <param name="state">The working state; mutated only here.</param>
/// <param name="rules">The kind's business rules.</param>
/// <param name="write">Makes the current state durable (with an ETag check).</param>
/// <param name="time">Clock for record timestamps and expiry.</param>
/// <param name="settings">Limits, retention and hooks; defaults when null.</param>
public sealed class ParticipantProtocol<TValue>(
    string key,
    ParticipantState<TValue> state,
    ParticipantRules<TValue> rules,
    Func<Task> write,
    TimeProvider time,
    ParticipantSettings? settings = null) where TValue : new()
{
    private readonly ParticipantSettings _settings = settings ?? new ParticipantSettings();
    private readonly IFaultInjector _faults = settings?.Faults ?? NoFaults.Instance;
    private readonly Dictionary<string, IReadOnlySet<string>> _kind = new(StringComparer.Ordinal) { [rules.Kind] = rules.Actions };
    private GroupCommit? _writer;
    private Exception? _broken;
    private int _endedSincePrune;

    public ParticipantState<TValue> State => state;

    /// <summary>Why this activation may no longer write or answer (null while it is healthy).</summary>
    public Exception? Broken => _broken ?? Writer.Failure;

    // Built on first use: the write it wraps refuses to persist a state that a failed transition left broken.
    private GroupCommit Writer => _writer ??= new GroupCommit(() => _broken is { } broken
        ? Task.FromException(new ProtocolInvariantException("not written: this activation's state is broken", broken))
        : write());

    public async Task<Vote> PrepareAsync(string operationId, long epoch, DateTimeOffset createdAt, ParticipantOperation operation)
    {
        ThrowIfBroken();
        Validate(operationId, epoch, operation);
        if (state.Ended.TryGetValue(operationId, out var ended))
        {
            // A duplicate or late prepare: answer from the trail, never reserve twice.
            await Writer.SettleAsync();
            return FromTrail(operationId, ended, createdAt, operation);
        }

        if (state.Prepared.TryGetValue(operationId, out var prepared))
        {
            if (!Same(prepared.Operation, prepared.CreatedAt, operation, createdAt))
            {
                return Vote.No(AbortCodes.Fenced, $"{operationId}: {operation.Participant} holds another operation under this id");
            }

            if (prepared.Epoch > epoch)
            {
                return Vote.No(AbortCodes.Fenced, $"{operationId}: attempt {epoch} is older than prepared attempt {prepared.Epoch}");
            }

            state.Prepared[operationId] = prepared with { Epoch = epoch };
            await Writer.FlushAsync();
            return Vote.Yes;
        }

        if (Expired(operationId, createdAt, operation) is { } expired)
        {
            return expired;
        }

        if (state.Prepared.Count >= _settings.MaxPrepared)
        {
            // Back-pressure: a participant that cannot keep up says so instead of growing without bound.
            return Vote.No(AbortCodes.ParticipantBusy,
                $"{operation.Participant} already holds {state.Prepared.Count} prepared operations (limit {_settings.MaxPrepared})");
        }

        var vote = Transition(() => rules.Reserve(state.Value, operation));
        if (!vote.IsYes)
        {
            // Nothing reserved, nothing to make durable: presumed abort needs no record of a no vote.
            return vote;
        }

        var preparedAt = time.GetUtcNow();
        state.Prepared[operationId] = new PreparedRecord(epoch, operation, preparedAt, createdAt);
        _settings.PreparedChanged?.Invoke(operationId, preparedAt);
        Transition(() => rules.CheckInvariants(state.Value));
        await Writer.FlushAsync();
        await _faults.AtAsync(FaultPoint.PrepareWritten, operationId);
        return Vote.Yes;
    }

    public async Task CommitAsync(string operationId, long epoch)
    {
        ThrowIfBroken();
        Validate(operationId, epoch, operation: null);
        if (state.Ended.TryGetValue(operationId, out var ended))
        {
            Assert(ended.Committed, $"{operationId}: commit after it aborted here");
            await Writer.SettleAsync();
            return;
        }

        // The decision is durable and never changes, so a commit from any attempt is right; no epoch check needed.
        if (!state.Prepared.Remove(operationId, out var prepared))
        {
            // A commit decision needs this participant's durable prepared record, and only applying removes it. So no
            // record at all means it was applied and then forgotten after the coordinator completed: a late copy of a
            // commit already done. Unless this activation is stale (it loaded before the live one prepared): so first
            // a version-checked write proves it current; a stale one fails it and acknowledges nothing. With the
            // trail kept, that cannot happen, and it stays an invariant.
            Assert(!_settings.KeepTrail, $"{operationId}: commit without a prepared record");
            await Writer.FlushAsync();
            return;
        }

        _settings.PreparedChanged?.Invoke(operationId, null);
        Transition(() =>
        {
            rules.Apply(state.Value, prepared!.Operation);
            rules.CheckInvariants(state.Value);
        });
        AddEnded(operationId, new EndedRecord(true, Math.Max(epoch, prepared!.Epoch), prepared.Operation, time.GetUtcNow(), prepared.CreatedAt));
        await Writer.FlushAsync();
        await _faults.AtAsync(FaultPoint.ParticipantApplied, operationId);
    }

    public async Task<TransactionStatus> AbortAsync(string operationId, long epoch)
    {
        ThrowIfBroken();
        Validate(operationId, epoch, operation: null);
        if (state.Ended.TryGetValue(operationId, out var ended))
        {
            await Writer.SettleAsync();
            return ended.Committed ? TransactionStatus.Committed : TransactionStatus.Aborted;
        }

        var found = state.Prepared.TryGetValue(operationId, out var prepared);
        if (found)
        {
            Release(operationId, prepared!);
        }

        // Remember the abort even when nothing was prepared: a prepare or one-phase commit still in flight must find
        // this and refuse. With no prepared record here, this abort may have overtaken its message, so the record is
        // a fence that outlives forgetting (an abort that found a record consumed its prepare: nothing can follow).
        AddEnded(operationId, new EndedRecord(false, epoch, prepared?.Operation, time.GetUtcNow(), prepared?.CreatedAt, Fence: !found));
        await Writer.FlushAsync();
        return TransactionStatus.Aborted;
    }

    public async Task<Vote> CommitOnePhaseAsync(string operationId, long epoch, DateTimeOffset createdAt, ParticipantOperation operation)
    {
        ThrowIfBroken();
        Validate(operationId, epoch, operation);
        if (state.Ended.TryGetValue(operationId, out var ended))
        {
            await Writer.SettleAsync();
            return FromTrail(operationId, ended, createdAt, operation);
        }

        if (state.Prepared.ContainsKey(operationId))
        {
            return Vote.No(AbortCodes.Fenced, $"{operationId}: prepared here in two phases; a one-phase commit of it is refused");
        }

        if (Expired(operationId, createdAt, operation) is { } expired)
        {
            return expired;
        }

        var vote = Transition(() => rules.Reserve(state.Value, operation));
        if (!vote.IsYes)
        {
            return vote;
        }

        Transition(() =>
        {
            rules.Apply(state.Value, operation);
            rules.CheckInvariants(state.Value);
        });
        AddEnded(operationId, new EndedRecord(true, epoch, operation, time.GetUtcNow(), createdAt));
        await Writer.FlushAsync();
        return Vote.Yes;
    }

    /// <summary>
    /// Cooperative termination: for each prepared record older than <paramref name="decisionTimeout"/>, ask the
    /// coordinator for its decision and apply the answer here. Asking also wakes a crashed coordinator, whose
    /// activation resumes the record. The coordinator never answers "no record" without first making that abort
    /// durable, so only definite answers act; in progress (or anything else) means wait: a prepared record is never
    /// released by a timeout alone.
    /// </summary>
    /// <param name="ask">Asks the coordinator of an operation id (with its creation time) for the decision.</param>
    /// <returns>How many prepared records remain.</returns>
    public async Task<int> ResolveStaleAsync(TimeSpan decisionTimeout, Func<string, DateTimeOffset?, Task<TransactionOutcome>> ask)
    {
        ThrowIfBroken();
        var cutoff = time.GetUtcNow() - decisionTimeout;
        var stale = state.Prepared.Where(p => p.Value.PreparedAt <= cutoff).ToList();
        foreach (var (operationId, prepared) in stale)
        {
            TransactionOutcome outcome;
            try
            {
                outcome = await ask(operationId, prepared.CreatedAt);
            }
            catch (Exception ex) when (ex is not ProtocolInvariantException)
            {
                continue; // the coordinator is unreachable for now, or could not prove its answer; the next tick asks again
            }

            ThrowIfBroken();
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
                    await Writer.FlushAsync();
                    break;
                case TransactionStatus.Committed:
                    await CommitAsync(operationId, prepared.Epoch);
                    break;
                case TransactionStatus.Aborted:
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
    /// A fence stays (see <see cref="EndedRecord.Fence"/>). A prepare delivered after this creates a stray prepared
    /// record, which <see cref="ResolveStaleAsync"/> releases when the coordinator says the transaction completed.
    /// </summary>
    public void Forget(string operationId)
    {
        if (!_settings.KeepTrail && _broken is null && state.Ended.TryGetValue(operationId, out var ended) && !ended.Fence)
        {
            state.Ended.Remove(operationId);
        }
    }

    /// <summary>Reads the committed value once every change made so far is durable, so a read never shows undurable effects.</summary>
    public async Task<T> ReadAsync<T>(Func<TValue, T> read)
    {
        ThrowIfBroken();
        var result = read(state.Value);
        await Writer.SettleAsync();
        return result;
    }

    /// <summary>
    /// Drops ended records older than the retention period plus twice the allowed clock skew: by then any message of
    /// their operation is refused as expired (<see cref="Expired"/>), so no late message can need them. Returns how many.
    /// </summary>
    public int PruneExpired()
    {
        var cutoff = time.GetUtcNow() - _settings.Retention - (2 * _settings.MaxClockSkew);
        var expired = state.Ended.Where(e => e.Value.EndedAt < cutoff).Select(e => e.Key).ToList();
        foreach (var id in expired)
        {
            state.Ended.Remove(id);
        }

        return expired.Count;
    }

    /// <summary>Undoes a prepared record's reservation and drops the record (no ended entry: callers decide that).</summary>
    private void Release(string operationId, PreparedRecord prepared)
    {
        Transition(() =>
        {
            rules.Release(state.Value, prepared.Operation);
            rules.CheckInvariants(state.Value);
        });
        state.Prepared.Remove(operationId);
        _settings.PreparedChanged?.Invoke(operationId, null);
    }

    /// <summary>
    /// Adds to the trail and, every so often, drops expired entries, so a participant's state stays bounded under
    /// steady load.
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

    /// <summary>
    /// An ended record answers a prepare or one-phase commit only for the very operation that ended here (same
    /// operation, same creation time): anything else under this id, e.g. an id reused after its records expired,
    /// is refused rather than answered "yes" without running.
    /// </summary>
    private static Vote FromTrail(string operationId, EndedRecord ended, DateTimeOffset createdAt, ParticipantOperation operation)
    {
        if (!ended.Committed)
        {
            return Vote.No(AbortCodes.Fenced, $"{operationId} already aborted at {operation.Participant}");
        }

        return Same(ended.Operation, ended.CreatedAt, operation, createdAt)
            ? Vote.Yes
            : Vote.No(AbortCodes.Fenced, $"{operationId} already committed another operation at {operation.Participant}");
    }

    private static bool Same(ParticipantOperation? stored, DateTimeOffset? storedCreatedAt, ParticipantOperation operation, DateTimeOffset createdAt) =>
        stored == operation && (storedCreatedAt is null || storedCreatedAt == createdAt);

    /// <summary>A first prepare or one-phase commit of an operation older than retention is refused: its records may be gone.</summary>
    private Vote? Expired(string operationId, DateTimeOffset createdAt, ParticipantOperation operation)
    {
        var now = time.GetUtcNow();
        // The coordinator already refused anything more than the skew ahead of its clock; allow as much again for
        // the difference between the coordinator's silo and this one.
        if (createdAt > now + (2 * _settings.MaxClockSkew))
        {
            throw new InvalidRequestException("createdAt", $"is {(createdAt - now).TotalSeconds:0} s in the future");
        }

        return createdAt < now - _settings.Retention
            ? Vote.No(AbortCodes.Expired, $"{operationId} was created at {createdAt:O}, longer ago than the retention period; {operation.Participant} refuses it")
            : null;
    }

    /// <summary>Bad input changes nothing: checked before any state is touched, with the coordinator's rules and errors.</summary>
    private void Validate(string operationId, long epoch, ParticipantOperation? operation)
    {
        RequestValidator.ValidateId(operationId, "operationId");
        if (epoch < 1)
        {
            throw new InvalidRequestException("epoch", $"must be at least 1; got {epoch}");
        }

        if (operation is null)
        {
            return;
        }

        RequestValidator.ValidateOperation(operation, "operation", _kind);
        if (!string.Equals(operation.Key, key, StringComparison.Ordinal))
        {
            throw new InvalidRequestException("operation.key", $"addressed to {operation.Participant}, but this participant is {rules.Kind}/{key}");
        }
    }

    private void ThrowIfBroken()
    {
        if (_broken is { } broken)
        {
            throw new ProtocolInvariantException("this participant activation broke an invariant and answers nothing more; the next activation reloads it", broken);
        }

        if (Writer.Failure is { } failure)
        {
            // Not an invariant: the write may simply not have landed. Retryable; the next activation reads the truth.
            throw new InvalidOperationException("a write of this participant activation failed, so its memory is not known to be durable; retry", failure);
        }
    }

    /// <summary>Runs a state change; if it throws, the state may be half changed, so the activation is broken at once.</summary>
    private void Transition(Action change) => Transition(() =>
    {
        change();
        return true;
    });

    private T Transition<T>(Func<T> change)
    {
        try
        {
            return change();
        }
        catch (Exception ex)
        {
            _broken ??= ex;
            throw;
        }
    }

    private void Assert(bool condition, string because) => Transition(() => Invariant.That(condition, because));
}
