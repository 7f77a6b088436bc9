using System.Globalization;

namespace OrleansTwoPc.Benchmark.Workloads;

/// <summary>
/// The accounts: keys <c>acct-00000</c>..., uniform or Zipf picks. Zipf ranks map to accounts through a seeded
/// permutation, so the hot accounts are not simply the first keys (which would also make them lock first in key order).
/// </summary>
public sealed class KeySpace
{
    public const double ZipfExponent = 1.5;

    private readonly string[] _keys;
    private readonly double[] _cdf;
    private readonly int[] _rankToAccount;

    public KeySpace(int accounts, int seed)
    {
        _keys = Enumerable.Range(0, accounts).Select(i => string.Create(CultureInfo.InvariantCulture, $"acct-{i:D6}")).ToArray();
        _cdf = new double[accounts];
        var sum = 0.0;
        for (var rank = 0; rank < accounts; rank++)
        {
            sum += 1.0 / Math.Pow(rank + 1, ZipfExponent);
            _cdf[rank] = sum;
        }

        for (var rank = 0; rank < accounts; rank++)
        {
            _cdf[rank] /= sum;
        }

        _rankToAccount = Enumerable.Range(0, accounts).ToArray();
#pragma warning disable CA5394 // benchmark permutation, not security
        new Random(Seeds.Mix(seed, 7, 11)).Shuffle(_rankToAccount);
#pragma warning restore CA5394
    }

    public int Count => _keys.Length;

    public IReadOnlyList<string> Keys => _keys;

    public string Key(int account) => _keys[account];

    /// <summary>The account of Zipf rank 1 (the hottest).</summary>
    public int Hottest => _rankToAccount[0];

    /// <summary>Probability that one Zipf pick is the hottest account.</summary>
    public double HottestShare => _cdf[0];

#pragma warning disable CA5394
    public int Uniform(Random random) => random.Next(_keys.Length);

    public int Zipf(Random random)
    {
        var u = random.NextDouble();
        var rank = Array.BinarySearch(_cdf, u);
        rank = rank >= 0 ? rank : Math.Min(~rank, _cdf.Length - 1);
        return _rankToAccount[rank];
    }
#pragma warning restore CA5394
}
