namespace OrleansTwoPc.Protocol;

/// <summary>No registry: recovery happens only when someone calls the coordinator. For unit tests.</summary>
public sealed class NoRecoveryRegistry : IRecoveryRegistry
{
    public static readonly NoRecoveryRegistry Instance = new();

    public Task RegisterAsync(string operationId, DateTimeOffset startedAt) => Task.CompletedTask;

    public void Unregister(string operationId)
    {
    }
}
