using System.Diagnostics;
using Orleans.Runtime;

namespace OrleansTwoPc.Client;

/// <summary>
/// The library API for any Orleans client application. Submits a request under an operation id and, on timeouts
/// and connection failures, retries with the same id until the outcome is definite or the deadline passes:
/// at-least-once delivery on top of the coordinator's deduplication gives exactly-once execution.
/// </summary>
public sealed class TransactionClient : ITransactionClient
{
    /// <summary>
    /// The caller's spans (<c>twopc.client.execute</c>), on the service's activity source name, so one trace holds the
    /// caller's call, the coordinator's work and every participant's (with Orleans' activity propagation on).
    /// </summary>
    public static readonly ActivitySource ActivitySource = new("OrleansTwoPc");

    private readonly IGrainFactory _grains;
    private readonly GrainReferences<ITransactionCoordinatorGrain> _coordinators;
    private readonly TransactionClientOptions _options;
    private readonly TimeProvider _time;

    public TransactionClient(IGrainFactory grains, TransactionClientOptions? options = null, TimeProvider? time = null)
    {
        _grains = grains;
        _coordinators = new GrainReferences<ITransactionCoordinatorGrain>(grains);
        _options = options ?? new TransactionClientOptions();
        _options.Validate();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The cluster this client calls, for a kind's own queries (e.g. <see cref="ShippedKindQueries.GetBalanceAsync"/>).</summary>
    public IGrainFactory Grains => _grains;

    /// <summary>Called before each retry with the attempt number (from 2) and the error that caused it.</summary>
    public event Action<int, Exception>? Retrying;

    /// <summary>
    /// Executes <paramref name="request"/> exactly once under <paramref name="operationId"/> and returns its outcome.
    /// The id's creation time must come with it, the same on every call for this id (also a retry by a restarted
    /// caller): either the id is time-ordered (<see cref="OperationIds.New"/>) or <see cref="TransactionRequest.CreatedAt"/>
    /// is set, once, when the id is created, and kept with it. This client never dates a request itself: a date made
    /// at each call would let a retry after the retention period run again.
    /// </summary>
    /// <exception cref="InvalidRequestException">Bad input (also: no creation time); nothing changed.</exception>
    /// <exception cref="OperationConflictException">The id was used with another request; nothing changed.</exception>
    /// <exception cref="OperationExpiredException">The request is older than the retention period; nothing changed.</exception>
    /// <exception cref="OutcomeUnknownException">The deadline passed without a definite outcome.</exception>
    public async Task<TransactionOutcome> ExecuteAsync(string operationId, TransactionRequest request,
        CancellationToken cancellationToken = default)
    {
        // Catch what we can before touching the network; the coordinator re-checks everything with the server's limits.
        RequestValidator.Validate(operationId, request, new RequestLimits { MaxParticipants = int.MaxValue }, null);
        RequestValidator.CreationTime(operationId, request);
        var coordinator = _coordinators.Get(operationId);
        using var span = ActivitySource.StartActivity("twopc.client.execute", ActivityKind.Client);
        span?.SetTag("twopc.operation_id", operationId);
        try
        {
            var outcome = await RetryAsync(operationId, () => coordinator.Execute(request), cancellationToken).ConfigureAwait(false);
            span?.SetTag("twopc.status", outcome.Status.ToString());
            return outcome;
        }
        catch (Exception ex)
        {
            span?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw;
        }
    }

    /// <summary>The status of an operation id (unknown, in progress, committed, aborted), retried like execution.</summary>
    public Task<TransactionOutcome> GetStatusAsync(string operationId, CancellationToken cancellationToken = default)
    {
        RequestValidator.ValidateId(operationId, "operationId");
        var coordinator = _coordinators.Get(operationId);
        return RetryAsync(operationId, coordinator.GetStatus, cancellationToken);
    }

    /// <summary>
    /// The whole coordinator record of an operation id, for operators: phase, outcome, epoch, request, fingerprint,
    /// votes. One call, not retried. Activates the coordinator, whose activation resumes an unfinished record
    /// (exactly what recovery does); an unknown id answers phase <c>None</c> and stores nothing.
    /// </summary>
    /// <exception cref="InvalidRequestException">The id is ill-formed; nothing was called.</exception>
    public Task<CoordinatorSnapshot> InspectAsync(string operationId)
    {
        RequestValidator.ValidateId(operationId, "operationId");
        return _coordinators.Get(operationId).Inspect();
    }

    /// <summary>
    /// Operator abort: decides abort (reason <c>operator-abort</c>) if no decision is durable yet and returns the
    /// outcome, which is normally aborted, or committed if a one-phase commit had already applied. One call, not
    /// retried: if its answer is lost, call again; a second call is refused, naming the decision.
    /// </summary>
    /// <exception cref="InvalidRequestException">The id is ill-formed; nothing was called.</exception>
    /// <exception cref="OperatorActionRefusedException">Unknown id, or the decision is already durable.</exception>
    public Task<TransactionOutcome> AbortByOperatorAsync(string operationId)
    {
        RequestValidator.ValidateId(operationId, "operationId");
        return _coordinators.Get(operationId).AbortByOperator();
    }

    /// <summary>
    /// Every operation id the recovery registry lists as not yet completed, across shards 0 to
    /// <paramref name="shards"/> - 1, oldest first. <paramref name="shards"/> must equal the silos'
    /// <c>TwoPc:RecoveryShards</c> (default 8), or entries of the missing shards are not seen. The registry forgets
    /// an entry lazily, so a transaction that completed a moment ago can still be listed; inspect it to be sure.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shards"/> is less than 1.</exception>
    public async Task<IReadOnlyList<PendingOperation>> InDoubtAsync(int shards = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        var lists = await Task.WhenAll(Enumerable.Range(0, shards)
            .Select(shard => _grains.GetGrain<IRecoveryShardGrain>(shard).List())).ConfigureAwait(false);
        return lists.SelectMany(list => list)
            .OrderBy(p => p.StartedAt).ThenBy(p => p.OperationId, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// A participant's committed value, prepared records and, with <paramref name="includeTrail"/>, its ended records.
    /// <paramref name="kind"/> is the participant's grain type (e.g. <c>ledger</c>). One call, not retried. A kind the
    /// cluster does not host fails with the grain runtime's error.
    /// </summary>
    /// <exception cref="InvalidRequestException">The kind or key is ill-formed; nothing was called.</exception>
    public Task<ParticipantSnapshot> InspectParticipantAsync(string kind, string key, bool includeTrail = false)
    {
        RequestValidator.ValidateId(kind, "kind");
        RequestValidator.ValidateId(key, "key");
        return _grains.GetGrain<IParticipantInspectionGrain>(GrainId.Create(kind, key)).Inspect(includeTrail);
    }

    private async Task<T> RetryAsync<T>(string operationId, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _options.Deadline;
        var backoff = _options.InitialBackoff;
        for (var attempt = 1; ; attempt++)
        {
            Exception error;
            try
            {
                var remaining = deadline - _time.GetUtcNow();
                return await call().WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, _time, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (Exception ex) when (IsRetryable(ex, cancellationToken))
            {
                error = ex;
            }

            var now = _time.GetUtcNow();
            if (now + backoff >= deadline)
            {
                throw new OutcomeUnknownException(operationId, error);
            }

            Retrying?.Invoke(attempt + 1, error);
            // Jitter spreads out many clients that failed together, so they do not retry in lock step.
            var wait = backoff * (0.5 + (Random.Shared.NextDouble() / 2));
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
        }
    }

    // Definite answers are never retried: bad input and conflicts would fail the same way again.
    private static bool IsRetryable(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        InvalidRequestException or OperationConflictException or OperationExpiredException => false,
        OperationCanceledException when cancellationToken.IsCancellationRequested => false,
        ObjectDisposedException => false,
        _ => true,
    };
}
