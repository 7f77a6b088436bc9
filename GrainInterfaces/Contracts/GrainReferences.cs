using Orleans.Runtime;

namespace OrleansTwoPc;

/// <summary>
/// Makes references to grains of one interface. Orleans' <c>GetGrain&lt;T&gt;</c> finds the interface's type (and,
/// for a plain key, its grain type) by reading attributes through reflection on every call: a few per cent of a
/// transfer's CPU in a profile of the in-memory benchmark. The first reference teaches this class both; later
/// ones are built from them directly. Safe to share between threads.
/// </summary>
public sealed class GrainReferences<T>(IGrainFactory grains) where T : class, IAddressable
{
    private Shape? _shape;

    /// <summary>The grain <paramref name="id"/> (any grain type implementing <typeparamref name="T"/>).</summary>
    public T Get(GrainId id) => Volatile.Read(ref _shape) is { } shape
        ? (T)grains.GetGrain(id, shape.Interface)
        : Learn(grains.GetGrain<T>(id));

    /// <summary>The grain of <typeparamref name="T"/>'s one grain type with the string key <paramref name="key"/>.</summary>
    public T Get(string key) => Volatile.Read(ref _shape) is { } shape
        ? (T)grains.GetGrain(GrainId.Create(shape.Type, key), shape.Interface)
        : Learn((T)grains.GetGrain(typeof(T), key));

    /// <summary>The grain of <typeparamref name="T"/>'s one grain type with the integer key <paramref name="key"/>.</summary>
    public T Get(long key) => Volatile.Read(ref _shape) is { } shape
        ? (T)grains.GetGrain(GrainId.Create(shape.Type, GrainIdKeyExtensions.CreateIntegerKey(key)), shape.Interface)
        : Learn((T)grains.GetGrain(typeof(T), key));

    private T Learn(T reference)
    {
        var grain = (GrainReference)(object)reference;
        Volatile.Write(ref _shape, new Shape(grain.GrainId.Type, grain.InterfaceType));
        return reference;
    }

    private sealed record Shape(GrainType Type, GrainInterfaceType Interface);
}
