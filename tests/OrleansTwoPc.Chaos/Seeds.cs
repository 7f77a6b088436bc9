namespace OrleansTwoPc.Chaos;

/// <summary>
/// Derives independent, reproducible random streams from the run's seed: one per client, one for the fault loop,
/// one for the storage fault policy. string.GetHashCode and HashCode are randomized per process, so they cannot be
/// used; SplitMix64 and FNV-1a are fixed.
/// </summary>
public static class Seeds
{
    public const int FaultStream = 1_000;
    public const int StorageStream = 2_000;
    public const int SetupStream = 3_000;
    public const int PauseStream = 4_000;

    /// <summary>Which way submissions go (Orleans client or HTTP): one stream per client from here, the setup's just below.</summary>
    public const int RouteStream = 5_000;

    /// <summary>The seed of stream <paramref name="stream"/> of run <paramref name="seed"/>.</summary>
    public static int Derive(int seed, int stream) =>
        (int)(Mix(unchecked(((ulong)(uint)seed << 32) + (ulong)(uint)stream)) & int.MaxValue);

    public static Random Stream(int seed, int stream) => new(Derive(seed, stream));

    /// <summary>
    /// Draw number <paramref name="draw"/> in [0, 1) for <paramref name="key"/> in run <paramref name="seed"/>: a
    /// function of its arguments only, so a decision keyed by what it is about (a message: its method, target,
    /// operation id and how many such messages came before) does not depend on which thread asked first.
    /// </summary>
    public static double Unit(int seed, string key, int draw)
    {
        var hash = 0xCBF29CE484222325UL; // FNV-1a over the key's UTF-16 code units
        foreach (var c in key)
        {
            hash = unchecked((hash ^ c) * 0x100000001B3UL);
        }

        return (Mix(unchecked(hash + ((ulong)(uint)seed << 32) + (ulong)(uint)draw)) >> 11) * (1.0 / (1UL << 53));
    }

    // SplitMix64's step and finalizer.
    private static ulong Mix(ulong z)
    {
        z = unchecked(z + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
