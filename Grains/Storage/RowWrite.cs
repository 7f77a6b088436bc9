using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace OrleansTwoPc.Storage;

/// <summary>
/// One grain-state row write: the parameters of the provider's <c>WriteToStorageKey</c> query, and the caller waiting
/// for it. <see cref="Version"/> is the version the writer last saw (null: it expects no row). Versions are 32-bit on
/// purpose: reads go through Orleans' ADO.NET provider, which parses ETags with <c>int.Parse</c> and reads versions with
/// <c>Convert.ToInt32</c>, so the write queries wrap a version past <see cref="int.MaxValue"/> to 1 (Sql/*.sql).
/// </summary>
internal sealed class RowWrite(int grainIdHash, int grainTypeHash, string grainType, string key, string serviceId, int? version, byte[] payload)
{
    public int GrainIdHash { get; } = grainIdHash;
    public int GrainTypeHash { get; } = grainTypeHash;
    public string GrainType { get; } = grainType;
    public string Key { get; } = key;
    public string ServiceId { get; } = serviceId;
    public int? Version { get; } = version;
    public byte[] Payload { get; } = payload;

    /// <summary>Completes with the row's new version once the write is durable, or null: the version did not match.</summary>
    public TaskCompletionSource<int?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
