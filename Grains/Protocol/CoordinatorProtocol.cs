using Microsoft.Extensions.Logging;
using OrleansTwoPc.Diagnostics;
using OrleansTwoPc.Faults;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Recovery;

namespace OrleansTwoPc.Protocol;

/// <summary>
/// The coordinator side of two-phase commit with presumed abort, for one operation id, as a plain class.
/// One driver per activation runs the transaction (or resumes a stored one); concurrent callers join it.
/// Order of durability: record before prepares; decision before phase 2 and before any caller hears it;
/// completion after every participant acknowledged.
/// </summary>
public sealed partial class CoordinatorProtocol(
    string operationId,
    CoordinatorRecord record,
    Func<Task> write,
    CoordinatorServices services,
    CancellationToken stopping)
{
    private readonly Func<ParticipantId, IParticipantGrain> participants = services.Participants;
    private readonly TwoPcOptions options = services.Options;
    private readonly TimeProvider time = services.Time;
    private readonly ILogger logger = services.Logger;
    private readonly IFaultInjector _faults = services.Faults;
    private readonly IRecoveryRegistry _registry = services.Registry;
    private readonly TwoPcInstruments _instruments = services.Instruments;
    private readonly RequestLimits _limits = new() { MaxParticipants = services.Options.MaxParticipants };
    private TaskCompletionSource<TransactionOutcome>? _decided;
    private bool _operatorAbort;
    private Task? _driver;

    // What storage holds, as the last successful write left it. Callers only ever see this: the in-memory record runs
    // ahead of storage while a write is in flight, and a decision nobody knows to be durable must not be reported.
    private TransactionOutcome _durable = record.ToOutcome(operationId, replayed: false);

    public CoordinatorRecord Record => record;

    /// <summary>Completes when the driver stops: phase 2 done, or failed (then the activation should go).</summary>
    public Task? Driver => _driver;

    public Task<TransactionOutcome> ExecuteAsync(TransactionRequest request)
    {
        RequestValidator.Validate(operationId, request, _limits, services.Kinds);
        var fingerprint = request.Fingerprint();
        if (record.Phase == CoordinatorPhase.None)
        {
            var createdAt = CheckAge(request);
            record.Begin(operationId, request, fingerprint, createdAt);
            _instruments.Started.Add(1);
            return StartDriver(fresh: true);
        }

        if (record.Request is null)
        {
            // A presumed abort that a participant's question made durable (no request to compare): its answer stands.
            CheckAge(request);
            return _durable.IsDecided ? Task.FromResult(_durable with { Replayed = true }) : _decided!.Task;
        }

        if (!string.Equals(record.Fingerprint, fingerprint, StringComparison.Ordinal))
        {
            _instruments.DedupeConflicts.Add(1);
            throw new OperationConflictException(operationId);
        }

        if (_durable.IsDecided)
        {
            _instruments.DedupeHits.Add(1);
            Resume();
            return Task.FromResult(_durable with { Replayed = true });
        }

        if (_decided is not null)
        {
            _instruments.DedupeJoins.Add(1);
        }

        return StartDriver(fresh: false);
    }

    /// <summary>
    /// The decision for a participant holding a prepared record. With a record: its status (in progress while
    /// undecided; the activation has resumed the record). With none, this activation must not simply say "unknown":
    /// the participant's prepared record proves a Begin was durable once (prepares leave only after it), so either the
    /// record expired, or this activation loaded before another one wrote it. Presumed abort is made durable first,
    /// with a write checked against the version this activation loaded: in the second case it fails, and the
    /// participant asks again (reaching the live record); in the first, no later run of this id can commit.
    /// </summary>
    public Task<TransactionOutcome> GetDecisionAsync(DateTimeOffset? createdAt)
    {
        if (record.Phase != CoordinatorPhase.None)
        {
            return record.Request is null && !_durable.IsDecided ? _decided!.Task : Task.FromResult(GetStatus());
        }

        var now = time.GetUtcNow();
        record.PresumeAbort(operationId, createdAt ?? now, now);
        _instruments.Recoveries.Add(1, new KeyValuePair<string, object?>("action", "presume-abort-no-record"));
        return Start(PresumeAbortAsync);
    }

    public CoordinatorSnapshot Inspect() => new()
    {
        OperationId = operationId,
        Phase = record.Phase.ToString(),
        Outcome = GetStatus(),
        Epoch = record.Epoch,
        Request = record.Request,
        Fingerprint = record.Fingerprint,
        Votes = record.Votes?.Select(v => v?.ToString() ?? "-").ToList() ?? [],
        CreatedAt = record.Phase == CoordinatorPhase.None ? null : record.CreatedAt,
    };

    /// <summary>
    /// Operator abort of an undecided transaction: the running attempt (or a resumed one) decides abort with reason
    /// <c>operator-abort</c>. Refused once a decision is durable. A one-phase commit already applied wins the race.
    /// </summary>
    public Task<TransactionOutcome> AbortByOperatorAsync()
    {
        if (record.Phase == CoordinatorPhase.None)
        {
            throw new OperatorActionRefusedException($"operation id '{operationId}' has no record here; there is nothing to abort");
        }

        if (_durable.IsDecided)
        {
            throw new OperatorActionRefusedException(
                $"the decision of '{operationId}' is durable ({_durable.Status.ToString().ToLowerInvariant()}); it can no longer be aborted");
        }

        _operatorAbort = true;
        return StartDriver(fresh: false);
    }

    /// <summary>The durable status; "in progress" while this activation runs an undecided record it has not yet written.</summary>
    public TransactionOutcome GetStatus() =>
        _durable.Status == TransactionStatus.Unknown && record.Phase != CoordinatorPhase.None
            ? _durable with { Status = TransactionStatus.InProgress }
            : _durable;

    /// <summary>Finishes a stored record that is not completed (after a crash or deactivation). No-op otherwise.</summary>
    public void Resume()
    {
        if (record.Phase is not (CoordinatorPhase.None or CoordinatorPhase.Completed))
        {
            _ = StartDriver(fresh: false);
        }
    }

    private Task<TransactionOutcome> StartDriver(bool fresh) => Start(() => DriveAsync(fresh));

    /// <summary>One driver per activation: the first call starts it, every later one joins its outcome.</summary>
    private Task<TransactionOutcome> Start(Func<Task> drive)
    {
        if (_decided is null)
        {
            _decided = new TaskCompletionSource<TransactionOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            _driver = drive();
        }

        return _decided.Task;
    }

    private async Task PresumeAbortAsync()
    {
        try
        {
            await PersistAsync();
            LogPresumedAbort(logger, operationId);
            _decided!.TrySetResult(_durable);
        }
        catch (Exception ex)
        {
            LogDriverFailed(logger, ex, operationId, record.Phase);
            _decided!.TrySetException(ex);
            throw;
        }
    }

    private async Task DriveAsync(bool fresh)
    {
        try
        {
            if (fresh)
            {
                // Record and registry entry both durable before any prepare: after a crash from here on, recovery
                // finds the transaction without waiting for the caller.
                var (start, span) = TwoPcInstruments.StartPhase("begin", operationId);
                await Task.WhenAll(PersistAsync(), _registry.RegisterAsync(operationId, time.GetUtcNow()));
                _instruments.EndPhase("begin", start, span);
                await _faults.AtAsync(FaultPoint.CoordinatorRecordWritten, operationId);
                await (record.IsOnePhase ? RunOnePhaseAsync() : RunTwoPhaseAsync());
            }
            else
            {
                // Bump the epoch durably first: the ETag write fences any older activation still running this record.
                record.NewAttempt();
                await PersistAsync();
                LogResuming(logger, operationId, record.Phase, record.Epoch);
                _instruments.Recoveries.Add(1, new KeyValuePair<string, object?>("action", "resume-" + PhaseTag(record.Phase)));
                if (record.Phase == CoordinatorPhase.Preparing)
                {
                    await RecoverUndecidedAsync();
                }
            }

            _decided!.TrySetResult(_durable with { Replayed = !fresh });
            await FinishAsync();
            _registry.Unregister(operationId);
            ForgetAtParticipants();
        }
        catch (Exception ex)
        {
            LogDriverFailed(logger, ex, operationId, record.Phase);
            _decided!.TrySetException(ex);
            throw;
        }
    }

    private async Task RunTwoPhaseAsync()
    {
        var (start, span) = TwoPcInstruments.StartPhase("prepare", operationId);
        var results = await Task.WhenAll(record.Request!.Operations.Select(PrepareAsync));
        _instruments.EndPhase("prepare", start, span);
        var no = _operatorAbort ? OperatorAbort : results.FirstOrDefault(r => !r.Vote.IsYes).Vote;
        // Only votes a participant actually cast are recorded: one that did not answer may have prepared after all.
        var votes = results.Select(r => r.Answered ? r.Vote : null).ToList();
        await DecideAsync(no is null, no?.Reason, votes, participantsDone: false);
    }

    /// <returns>The vote, and whether the participant cast it (false: the coordinator votes no on its behalf).</returns>
    private async Task<(Vote Vote, bool Answered)> PrepareAsync(ParticipantOperation operation)
    {
        try
        {
            var vote = await participants(operation.Participant).Prepare(operationId, record.Epoch, record.CreatedAt, operation)
                .WaitAsync(options.ParticipantCallTimeout, time, stopping);
            return (vote, true);
        }
        catch (TimeoutException)
        {
            return (Vote.No(AbortCodes.PrepareTimeout, $"{operation.Participant} did not vote within {options.ParticipantCallTimeout.TotalSeconds:0.###} s"), false);
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            return (Vote.No(AbortCodes.ParticipantFailed, $"{operation.Participant} failed to prepare: {ex.GetType().Name}: {ex.Message}"), false);
        }
    }

    private static readonly Vote OperatorAbort = Vote.No(AbortCodes.OperatorAbort, "aborted by an operator before it was decided");

    /// <summary>
    /// The id's creation time (from a time-ordered id or the request, <see cref="RequestValidator.CreationTime"/>),
    /// checked: not further in the future than the allowed skew, not older than retention (its dedupe record may be
    /// gone, so it must never run again).
    /// </summary>
    private DateTimeOffset CheckAge(TransactionRequest request)
    {
        var created = RequestValidator.CreationTime(operationId, request);
        if (request.CreatedAt is { } stated && (stated - created).Duration() > options.MaxClockSkew)
        {
            throw new InvalidRequestException("createdAt",
                $"is {stated:O}, but the time-ordered operation id was created at {created:O}; they must agree within {options.MaxClockSkew}");
        }

        var now = time.GetUtcNow();
        if (created > now + options.MaxClockSkew)
        {
            throw new InvalidRequestException("createdAt",
                $"is {(created - now).TotalSeconds:0} s in the future; client and silo clocks may differ by at most {options.MaxClockSkew}");
        }

        if (created < now - options.Retention)
        {
            throw new OperationExpiredException(operationId, created, options.Retention);
        }

        return created;
    }

    private async Task PersistAsync()
    {
        await write();
        _durable = record.ToOutcome(operationId, replayed: false);
    }

    private async Task RunOnePhaseAsync()
    {
        var operation = record.Request!.Operations[0];
        var (start, span) = TwoPcInstruments.StartPhase("one-phase", operationId);
        Vote vote;
        try
        {
            vote = await participants(operation.Participant).CommitOnePhase(operationId, record.Epoch, record.CreatedAt, operation)
                .WaitAsync(options.ParticipantCallTimeout, time, stopping);
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            // The commit may or may not have landed: ask (and fence) before deciding anything.
            var status = await SendUntilAnsweredAsync(operation.Participant, p => p.Abort(operationId, record.Epoch));
            vote = status == TransactionStatus.Committed ? Vote.Yes
                : Vote.No(AbortCodes.ParticipantFailed, $"{operation.Participant} failed: {ex.GetType().Name}: {ex.Message}");
        }

        _instruments.EndPhase("one-phase", start, span);
        await DecideAsync(vote.IsYes, vote.Reason, [vote], participantsDone: true);
    }

    /// <summary>Presumed abort: no decision was durable, so nobody committed (except a one-phase participant, which says so).</summary>
    private async Task RecoverUndecidedAsync()
    {
        var reason = _operatorAbort ? OperatorAbort.Reason!
            : new AbortReason(AbortCodes.CoordinatorRecovered, "the coordinator stopped before deciding; presumed abort");
        if (record.IsOnePhase)
        {
            var participant = record.Request!.Operations[0].Participant;
            var status = await SendUntilAnsweredAsync(participant, p => p.Abort(operationId, record.Epoch));
            var committed = status == TransactionStatus.Committed;
            await DecideAsync(committed, committed ? null : reason, null, participantsDone: true);
        }
        else
        {
            await DecideAsync(false, reason, null, participantsDone: false);
        }
    }

    /// <summary>The commit point: once this write lands the outcome is fixed forever.</summary>
    private async Task DecideAsync(bool commit, AbortReason? reason, IReadOnlyList<Vote?>? votes, bool participantsDone)
    {
        var (start, span) = TwoPcInstruments.StartPhase("decide", operationId);
        record.Decide(commit, reason, votes, time.GetUtcNow(), participantsDone);
        await PersistAsync();
        _instruments.EndPhase("decide", start, span);
        if (commit)
        {
            _instruments.Committed.Add(1);
        }
        else
        {
            _instruments.Aborted.Add(1, new KeyValuePair<string, object?>("reason", reason!.Code));
        }

        await _faults.AtAsync(FaultPoint.DecisionWritten, operationId);
    }

    /// <summary>Phase 2: deliver the durable decision to every participant that may hold a prepared record, then complete.</summary>
    private async Task FinishAsync()
    {
        if (record.Phase is not (CoordinatorPhase.Committing or CoordinatorPhase.Aborting))
        {
            return;
        }

        var commit = record.Phase == CoordinatorPhase.Committing;
        var phase = commit ? "commit" : "abort";
        var (start, span) = TwoPcInstruments.StartPhase(phase, operationId);
        var operations = record.Request!.Operations;
        var sends = new List<Task>(operations.Count);
        for (var i = 0; i < operations.Count; i++)
        {
            // A participant that itself voted no reserved nothing and wrote nothing: it needs no abort. One that did
            // not answer (null) may have prepared, so it gets one.
            if (!commit && record.Votes?[i] is { IsYes: false })
            {
                continue;
            }

            var participant = operations[i].Participant;
            sends.Add(commit
                ? SendUntilAnsweredAsync(participant, async p => { await p.Commit(operationId, record.Epoch); return true; })
                : SendUntilAnsweredAsync(participant, p => p.Abort(operationId, record.Epoch)));
        }

        if (sends.Count > 0)
        {
            await sends[0];
            await _faults.AtAsync(FaultPoint.CommitFanOut, operationId);
        }

        await Task.WhenAll(sends);
        _instruments.EndPhase(phase, start, span);
        (start, span) = TwoPcInstruments.StartPhase("complete", operationId);
        record.Complete(time.GetUtcNow());
        await PersistAsync();
        _instruments.EndPhase("complete", start, span);
        await _faults.AtAsync(FaultPoint.CompletionRecorded, operationId);
    }

    /// <summary>
    /// Completion is durable: from now on this record answers every question about the transaction, so participants
    /// may drop their ended records (see <see cref="ParticipantProtocol{TValue}.Forget"/>). One-way and best effort.
    /// </summary>
    private void ForgetAtParticipants()
    {
        if (record.Phase != CoordinatorPhase.Completed)
        {
            return;
        }

        foreach (var operation in record.Request!.Operations)
        {
            participants(operation.Participant).Forget(operationId).Ignore();
        }
    }

    private async Task<T> SendUntilAnsweredAsync<T>(ParticipantId participant, Func<IParticipantGrain, Task<T>> send)
    {
        var backoff = options.RetryBackoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await send(participants(participant)).WaitAsync(options.ParticipantCallTimeout, time, stopping);
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested && ex is not ProtocolInvariantException)
            {
                LogResend(logger, ex, operationId, participant, attempt, backoff);
                await Task.Delay(backoff, time, stopping);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxRetryBackoff.Ticks));
            }
        }
    }

    private static string PhaseTag(CoordinatorPhase phase) => phase switch
    {
        CoordinatorPhase.Preparing => "undecided",
        CoordinatorPhase.Committing => "committing",
        CoordinatorPhase.Aborting => "aborting",
        _ => "other",
    };

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Resuming transaction {OperationId} in phase {Phase} as attempt {Epoch}")]
    private static partial void LogResuming(ILogger logger, string operationId, CoordinatorPhase phase, long epoch);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Transaction {OperationId} stopped in phase {Phase}; the next activation resumes it")]
    private static partial void LogDriverFailed(ILogger logger, Exception exception, string operationId, CoordinatorPhase phase);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Transaction {OperationId}: a participant asked and there is no record; presumed abort made durable (reason no-record)")]
    private static partial void LogPresumedAbort(ILogger logger, string operationId);

    [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "Transaction {OperationId}: message to {Participant} failed (try {Attempt}); resending in {Backoff}")]
    private static partial void LogResend(ILogger logger, Exception exception, string operationId, ParticipantId participant, int attempt, TimeSpan backoff);
}
