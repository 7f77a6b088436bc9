using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTwoPc.Configuration;

namespace OrleansTwoPc.Recovery;

/// <summary>Maps an operation id to its recovery shard.</summary>
public static class RecoveryShards
{
    /// <summary>A stable hash (FNV-1a) of the id: string.GetHashCode differs between processes.</summary>
    public static int Of(string operationId, int shards)
    {
        var hash = 2166136261u;
        foreach (var c in operationId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % (uint)shards);
    }
}
