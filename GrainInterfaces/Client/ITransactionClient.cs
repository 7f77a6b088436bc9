namespace OrleansTwoPc.Client;

/// <summary>
/// Runs exactly-once transactions on an OrleansTwoPc cluster, and answers operators' questions about them. From
/// dependency injection after <c>AddTwoPcClient()</c>; <see cref="TransactionClient"/> is the implementation.
/// </summary>
public interface ITransactionClient
{
    /// <inheritdoc cref="TransactionClient.ExecuteAsync"/>
    Task<TransactionOutcome> ExecuteAsync(string operationId, TransactionRequest request, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="TransactionClient.GetStatusAsync"/>
    Task<TransactionOutcome> GetStatusAsync(string operationId, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="TransactionClient.InspectAsync"/>
    Task<CoordinatorSnapshot> InspectAsync(string operationId);

    /// <inheritdoc cref="TransactionClient.AbortByOperatorAsync"/>
    Task<TransactionOutcome> AbortByOperatorAsync(string operationId);

    /// <inheritdoc cref="TransactionClient.InDoubtAsync"/>
    Task<IReadOnlyList<PendingOperation>> InDoubtAsync(int shards = 8);

    /// <inheritdoc cref="TransactionClient.InspectParticipantAsync"/>
    Task<ParticipantSnapshot> InspectParticipantAsync(string kind, string key, bool includeTrail = false);
}
