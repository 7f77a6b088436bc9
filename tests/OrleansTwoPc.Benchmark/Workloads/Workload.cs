namespace OrleansTwoPc.Benchmark.Workloads;

/// <summary>How accounts are picked.</summary>
public enum Access
{
    Uniform,

    /// <summary>Zipf with exponent <see cref="KeySpace.ZipfExponent"/> over a seeded permutation of the accounts.</summary>
    Zipf,
}

/// <summary>
/// One kind of transaction. <see cref="Participants"/> accounts per transaction: transfer2 debits one and credits one;
/// transfer4 is SmallBank's MultiTransfer shape (debit one account 3x, credit three accounts x each).
/// <see cref="Replay"/>: the retries of already completed operation ids (OrleansTwoPc only).
/// </summary>
public sealed record Workload(string Name, int Participants, Access Access, bool Replay = false)
{
    public static readonly Workload Transfer2Uniform = new("transfer2-uniform", 2, Access.Uniform);
    public static readonly Workload Transfer2Zipf = new("transfer2-zipf", 2, Access.Zipf);
    public static readonly Workload Transfer4Uniform = new("transfer4-uniform", 4, Access.Uniform);
    public static readonly Workload Transfer4Zipf = new("transfer4-zipf", 4, Access.Zipf);
    public static readonly Workload DedupeHit = new("dedupe-hit", 2, Access.Uniform, Replay: true);

    /// <summary>One write to one account-sized grain: the storage ceiling's key stream, uniform whatever the cell.</summary>
    public static readonly Workload SingleWrite = new("single-write", 1, Access.Uniform);

    /// <summary>
    /// N accounts picked uniformly, one debited (N-1)x, N-1 credited x: the participants sweep's shape (transfer2 and
    /// transfer4 are its N = 2 and 4).
    /// </summary>
    public static Workload TransferUniform(int participants) => new($"transfer{participants}-uniform", participants, Access.Uniform);

    public static IReadOnlyList<Workload> All { get; } = [Transfer2Uniform, Transfer2Zipf, Transfer4Uniform, Transfer4Zipf, DedupeHit];

    public static Workload Parse(string name) =>
        All.FirstOrDefault(w => string.Equals(w.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new UsageException($"unknown workload '{name}'; known: {string.Join(", ", All.Select(w => w.Name))}");

    public override string ToString() => Name;
}

/// <summary>One account's part of a transaction: a negative delta debits, a positive one credits.</summary>
public readonly record struct Leg(int Account, long Delta);

/// <summary>
/// A worker's seeded sequence of transactions. The seed depends only on the run seed, the cell (workload and
/// concurrency) and the worker, so every system in a cell gets the same sequence: a system that runs faster just
/// consumes a longer prefix of it.
/// </summary>
public sealed class OperationStream
{
    /// <summary>Transfer amounts are 1..this, far below the funding, so lack of funds is rare.</summary>
    public const int MaxAmount = 100;

    private readonly KeySpace _keys;
    private readonly Workload _workload;
    private readonly Random _random;

    public OperationStream(KeySpace keys, Workload workload, int runSeed, string cell, int worker)
    {
        _keys = keys;
        _workload = workload;
#pragma warning disable CA5394 // benchmark key sequences, not security
        _random = new Random(Seeds.Mix(runSeed, Seeds.Stable(cell), worker));
#pragma warning restore CA5394
    }

    public Leg[] Next()
    {
        var accounts = new int[_workload.Participants];
        for (var i = 0; i < accounts.Length; i++)
        {
            int pick;
            do
            {
                pick = _workload.Access == Access.Zipf ? _keys.Zipf(_random) : _keys.Uniform(_random);
            }
            while (Array.IndexOf(accounts, pick, 0, i) >= 0);
            accounts[i] = pick;
        }

#pragma warning disable CA5394
        long amount = _random.Next(1, MaxAmount + 1);
#pragma warning restore CA5394
        var legs = new Leg[accounts.Length];
        legs[0] = new Leg(accounts[0], accounts.Length == 1 ? amount : -amount * (accounts.Length - 1));
        for (var i = 1; i < accounts.Length; i++)
        {
            legs[i] = new Leg(accounts[i], amount);
        }

        return legs;
    }
}

/// <summary>Deterministic seeds: <see cref="string.GetHashCode()"/> is randomised per process, so it is not used.</summary>
public static class Seeds
{
    public static int Stable(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return unchecked((int)hash);
    }

    public static int Mix(int a, int b, int c)
    {
        var x = unchecked(((ulong)(uint)a * 0x9E3779B97F4A7C15UL) ^ ((ulong)(uint)b * 0xC2B2AE3D27D4EB4FUL) ^ ((ulong)(uint)c * 0x165667B19E3779F9UL));
        x ^= x >> 31;
        return unchecked((int)(x & 0x7FFFFFFF));
    }
}
