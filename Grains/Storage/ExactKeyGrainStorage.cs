using Orleans.Storage;

namespace OrleansTwoPc.Storage;

/// <summary>
/// Keeps distinct grain keys in distinct rows. Orleans' ADO.NET provider stores a string key that reads as a
/// hexadecimal number or a GUID as that number (GrainId.TryGetIntegerKey / TryGetGuidKey), so the operation ids
/// or accounts "d1", "D1" and "0d1" would share one row and one dedupe record. Every key is stored with a prefix
/// that no number or GUID has, so it is always stored as the exact string.
/// </summary>
public sealed class ExactKeyGrainStorage(IGrainStorage inner) : IGrainStorage
{
    private const string Prefix = "s:";

    /// <summary>The grain id under which a grain's state is stored.</summary>
    public static GrainId Stored(GrainId grainId) => GrainId.Create(grainId.Type, IdSpan.Create(Prefix + grainId.Key));

    /// <summary>A grain's key from the key column of its stored row.</summary>
    public static string Unstored(string storedKey) =>
        storedKey.StartsWith(Prefix, StringComparison.Ordinal) ? storedKey[Prefix.Length..] : storedKey;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, Stored(grainId), grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.WriteStateAsync(stateName, Stored(grainId), grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, Stored(grainId), grainState);
}
