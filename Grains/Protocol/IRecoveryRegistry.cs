namespace OrleansTwoPc.Protocol;

/// <summary>Where coordinators register unfinished transactions so recovery can find them without client traffic.</summary>
public interface IRecoveryRegistry
{
    /// <summary>Completes when the entry is durable.</summary>
    Task RegisterAsync(string operationId, DateTimeOffset startedAt);

    /// <summary>Forgets the entry (lazily durable).</summary>
    void Unregister(string operationId);
}
