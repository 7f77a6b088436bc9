namespace OrleansTwoPc.Chaos;

/// <summary>
/// Derives independent, reproducible random streams from the run's seed: one per client, one for the fault loop,
/// one for the storage fault policy. string.GetHashCode and HashCode are randomized per process, so they cannot be
/// used; SplitMix64 is fixed.
/// </summary>
public static class Seeds
{
    public const int FaultStream = 1_000;
    public const int StorageStream = 2_000;
    public const int SetupStream = 3_000;

    /// <summary>The seed of stream <paramref name="stream"/> of run <paramref name="seed"/>.</summary>
    public static int Derive(int seed, int stream)
    {
        var z = unchecked(((ulong)(uint)seed << 32) + (ulong)(uint)stream + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (int)(z & int.MaxValue);
    }

    public static Random Stream(int seed, int stream) => new(Derive(seed, stream));
}
