using System.Text;
using Orleans.Storage;

namespace OrleansTwoPc.Storage;

/// <summary>
/// Orleans' ADO.NET grain storage with its writes group-committed (<see cref="WriteBatcher"/>). Reads and clears go
/// to the provider itself. A write becomes the provider's own <c>WriteToStorageKey</c> query with the parameters the
/// provider would bind (same serializer, same hasher, same row key, same version check), run in a shared transaction
/// with other grains' writes instead of a transaction of its own. Rows are interchangeable between the two paths;
/// a test writes through each and reads through the other.
/// </summary>
public sealed class BatchedWriteGrainStorage : IGrainStorage
{
    private readonly IGrainStorage _provider;
    private readonly WriteBatcher _batcher;
    private readonly string _providerName;
    private readonly string _serviceId;
    private readonly IGrainStorageSerializer _serializer;
    private readonly IStorageHasherPicker _hashers;
    private readonly bool _offScheduler;

    /// <param name="provider">The ADO.NET provider the rows belong to.</param>
    /// <param name="providerName">Its name (the hasher picker is told it, as the provider tells it).</param>
    /// <param name="offScheduler">
    /// Run the provider's reads and clears on the thread pool: Microsoft.Data.Sqlite is synchronous under its async
    /// API and must not hold Orleans scheduler threads.
    /// </param>
    internal BatchedWriteGrainStorage(IGrainStorage provider, WriteBatcher batcher, string providerName, string serviceId,
        IGrainStorageSerializer serializer, IStorageHasherPicker? hashers, bool offScheduler)
    {
        _provider = provider;
        _batcher = batcher;
        _providerName = providerName;
        _serviceId = serviceId;
        _serializer = serializer;
        _hashers = hashers ?? new StorageHasherPicker([new OrleansDefaultHasher()]);
        _offScheduler = offScheduler;
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        _offScheduler ? Task.Run(() => _provider.ReadStateAsync(stateName, grainId, grainState)) : _provider.ReadStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        _offScheduler ? Task.Run(() => _provider.ClearStateAsync(stateName, grainId, grainState)) : _provider.ClearStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = RowKey(stateName, grainId);
        var hasher = _hashers.PickHasher(_serviceId, _providerName, stateName, grainId, grainState);
        if (key is null || hasher is null)
        {
            // A key or state name the provider would transform: let it write the row itself, one at a time.
            await (_offScheduler ? Task.Run(() => _provider.WriteStateAsync(stateName, grainId, grainState)) : _provider.WriteStateAsync(stateName, grainId, grainState));
            return;
        }

        var expected = string.IsNullOrWhiteSpace(grainState.ETag) ? (int?)null : int.Parse(grainState.ETag, System.Globalization.CultureInfo.InvariantCulture);
        var write = Row(hasher, stateName, key, _serviceId, expected, _serializer.Serialize(grainState.State).ToArray());
        var version = await _batcher.WriteAsync(write).ConfigureAwait(false);
        var etag = version?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (etag is null || etag == grainState.ETag)
        {
            throw new InconsistentStateException(
                $"Version conflict (WriteState): ServiceId={_serviceId} ProviderName={_providerName} GrainType={stateName} GrainId={key} ETag={grainState.ETag}.",
                etag ?? "unknown", grainState.ETag ?? "none");
        }

        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    /// <summary>
    /// The row key the provider stores for this grain, when it is a plain string key (no integer or GUID reading of
    /// it, which <see cref="ExactKeyGrainStorage"/> guarantees) and the state name has no generic type part. Null
    /// otherwise: the provider derives those keys its own way.
    /// </summary>
    internal static string? RowKey(string stateName, GrainId grainId)
    {
        if (stateName.Contains('`', StringComparison.Ordinal) || grainId.TryGetGuidKey(out _, out _) || grainId.TryGetIntegerKey(out _, out _))
        {
            return null;
        }

        return grainId.Key.ToString();
    }

    /// <summary>
    /// The row the provider's <c>WriteToStorageKey</c> query gets for a plain string key: the provider's grain id hash
    /// and grain type hash (Orleans 10.4.2's rules, re-implemented here; ProviderContractTests compares them with rows
    /// the provider writes itself, so an Orleans upgrade that changes them fails a test).
    /// </summary>
    internal static RowWrite Row(IHasher hasher, string stateName, string key, string serviceId, int? expected, byte[] payload) =>
        new(hasher.Hash(HashBytes(key)), hasher.Hash(Encoding.UTF8.GetBytes(stateName)), stateName, key, serviceId, expected, payload);

    // The provider hashes a string key's UTF-8 bytes in big-endian order, i.e. reversed on a little-endian machine.
    private static byte[] HashBytes(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(bytes);
        }

        return bytes;
    }
}
