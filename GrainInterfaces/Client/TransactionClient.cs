namespace OrleansTwoPc.Client;

/// <summary>
/// The library API for any Orleans client application. Submits a request under an operation id and, on timeouts
/// and connection failures, retries with the same id until the outcome is definite or the deadline passes:
/// at-least-once delivery on top of the coordinator's deduplication gives exactly-once execution.
/// </summary>
public sealed class TransactionClient
{
    private readonly IGrainFactory _grains;
    private readonly TransactionClientOptions _options;
    private readonly TimeProvider _time;

    public TransactionClient(IGrainFactory grains, TransactionClientOptions? options = null, TimeProvider? time = null)
    {
        _grains = grains;
        _options = options ?? new TransactionClientOptions();
        _options.Validate();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Called before each retry with the attempt number (from 2) and the error that caused it.</summary>
    public event Action<int, Exception>? Retrying;

    /// <summary>
    /// Executes <paramref name="request"/> exactly once under <paramref name="operationId"/> and returns its outcome.
    /// </summary>
    /// <exception cref="InvalidRequestException">Bad input; nothing changed.</exception>
    /// <exception cref="OperationConflictException">The id was used with another request; nothing changed.</exception>
    /// <exception cref="OperationExpiredException">The request is older than the retention period; nothing changed.</exception>
    /// <exception cref="OutcomeUnknownException">The deadline passed without a definite outcome.</exception>
    public async Task<TransactionOutcome> ExecuteAsync(string operationId, TransactionRequest request,
        CancellationToken cancellationToken = default)
    {
        // Catch what we can before touching the network; the coordinator re-checks everything with the server's limits.
        RequestValidator.Validate(operationId, request, new RequestLimits { MaxParticipants = int.MaxValue }, null);
        // Dated once, before the first attempt: every retry carries the same creation time.
        request = request.CreatedAt is null ? request with { CreatedAt = _time.GetUtcNow() } : request;
        var coordinator = _grains.GetGrain<ITransactionCoordinatorGrain>(operationId);
        return await RetryAsync(operationId, () => coordinator.Execute(request), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The status of an operation id (unknown, in progress, committed, aborted), retried like execution.</summary>
    public Task<TransactionOutcome> GetStatusAsync(string operationId, CancellationToken cancellationToken = default)
    {
        RequestValidator.ValidateId(operationId, "operationId");
        var coordinator = _grains.GetGrain<ITransactionCoordinatorGrain>(operationId);
        return RetryAsync(operationId, coordinator.GetStatus, cancellationToken);
    }

    /// <summary>The committed balance of a ledger account.</summary>
    public Task<long> GetBalanceAsync(string account)
    {
        RequestValidator.ValidateId(account, "account");
        return _grains.GetGrain<ILedgerGrain>(account).GetBalance();
    }

    /// <summary>The committed stock level of an inventory item.</summary>
    public Task<long> GetStockAsync(string item)
    {
        RequestValidator.ValidateId(item, "item");
        return _grains.GetGrain<IInventoryGrain>(item).GetStock();
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
