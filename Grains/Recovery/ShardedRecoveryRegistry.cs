using OrleansTwoPc.Protocol;

namespace OrleansTwoPc.Recovery;

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
