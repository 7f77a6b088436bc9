using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Protocol;

namespace OrleansTwoPc.Recovery;

[GenerateSerializer, Alias("twopc.recovery-shard")]
public sealed class RecoveryShardState
{
    [Id(0)] public Dictionary<string, DateTimeOffset> Pending { get; set; } = new(StringComparer.Ordinal);
}
