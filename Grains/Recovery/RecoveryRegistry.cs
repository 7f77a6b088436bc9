namespace OrleansTwoPc.Recovery;

/// <summary>Where coordinators register unfinished transactions so recovery can find them without client traffic.</summary>
public interface IRecoveryRegistry
{
    /// <summary>Completes when the entry is durable.</summary>
    Task RegisterAsync(string operationId, DateTimeOffset startedAt);

    /// <summary>Forgets the entry (lazily durable).</summary>
    void Unregister(string operationId);
}

/// <summary>No registry: recovery happens only when someone calls the coordinator. For unit tests.</summary>
public sealed class NoRecoveryRegistry : IRecoveryRegistry
{
    public static readonly NoRecoveryRegistry Instance = new();

    public Task RegisterAsync(string operationId, DateTimeOffset startedAt) => Task.CompletedTask;

    public void Unregister(string operationId)
    {
    }
}

/// <summary>The registry over <see cref="IRecoveryShardGrain"/>s. One per silo: it holds a reference to each shard.</summary>
public sealed class ShardedRecoveryRegistry(IGrainFactory grains, int shards) : IRecoveryRegistry
{
    private readonly IRecoveryShardGrain[] _shards =
        Enumerable.Range(0, shards).Select(shard => grains.GetGrain<IRecoveryShardGrain>(shard)).ToArray();

    public Task RegisterAsync(string operationId, DateTimeOffset startedAt) =>
        Shard(operationId).Register(operationId, startedAt);

    public void Unregister(string operationId) => _ = Shard(operationId).Unregister(operationId);

    private IRecoveryShardGrain Shard(string operationId) => _shards[RecoveryShards.Of(operationId, shards)];
}
