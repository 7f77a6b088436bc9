namespace OrleansTwoPc;

/// <summary>
/// A durable list of unfinished operation ids, one of a fixed number of shards (key = shard number). A coordinator
/// registers its id before it sends any prepare and unregisters when completed; a sweeper on every silo asks each
/// shard periodically to wake the coordinators of old entries, so recovery needs no client traffic, even after a
/// restart of the whole cluster.
/// </summary>
public interface IRecoveryShardGrain : IGrainWithIntegerKey
{
    /// <summary>Adds an operation id; completes when the entry is durable.</summary>
    Task Register(string operationId, DateTimeOffset startedAt);

    /// <summary>Removes an operation id (made durable with the shard's next write; a lost removal costs one extra wake-up).</summary>
    [Orleans.Concurrency.OneWay]
    Task Unregister(string operationId);

    /// <summary>Wakes the coordinator of every entry older than the recovery interval; drops completed ones. Returns how many remain.</summary>
    Task<int> Sweep();

    /// <summary>The registered operation ids with their start times, oldest first.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<IReadOnlyList<PendingOperation>> List();
}
