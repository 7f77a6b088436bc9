using System.Collections.Concurrent;
using System.Globalization;

namespace OrleansTwoPc.Chaos;

/// <summary>How long one message is held, and whether before it is sent or before its answer is returned.</summary>
public readonly record struct Hold(TimeSpan Delay, bool BeforeAnswer)
{
    public static readonly Hold None = new(TimeSpan.Zero, false);
}

/// <summary>
/// Chooses which protocol messages between grains are held and for how long (<c>--delays</c>), shared by every silo of
/// the in-process cluster and armed only during the fault phase. Messages are chosen by interface and method name,
/// not by signature, so the choice keeps working while the protocol's messages change: the participant's
/// <see cref="ParticipantMethods"/> and the coordinator's <see cref="CoordinatorMethods"/>. A chosen message is held
/// briefly (a busy queue) or, in a share of cases, longer than the coordinator's prepare timeout and the participant's
/// decision timeout together, so it arrives after the coordinator gave up on it, decided, completed and told the
/// participants to forget. Half are held before they are sent (the request arrives late), half after the callee
/// answered (the callee acted in time, the answer arrives late). Each decision is a function of the seed and the
/// message (method, target, operation id, and how many such messages came before), not of thread timing.
/// </summary>
public sealed class MessageDelays(int seed, double rate, TimeSpan longerThan)
{
    public static readonly IReadOnlySet<string> ParticipantMethods = new HashSet<string>(StringComparer.Ordinal)
        { "Prepare", "CommitOnePhase", "Commit", "Abort", "Forget" };

    /// <summary>GetDecision is matched too, should the coordinator grow one.</summary>
    public static readonly IReadOnlySet<string> CoordinatorMethods = new HashSet<string>(StringComparer.Ordinal)
        { "GetStatus", "GetDecision" };

    /// <summary>Share of held messages that are held past the timeouts.</summary>
    private const double LongShare = 0.35;

    private readonly ConcurrentDictionary<string, int> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (int All, int Long)> _byMethod = new(StringComparer.Ordinal);
    private volatile bool _armed;
    private int _delayed;
    private int _pastTimeouts;

    public bool Armed
    {
        get => _armed;
        set => _armed = value;
    }

    public double Rate => rate;

    /// <summary>Messages held, of every length.</summary>
    public int Delayed => Volatile.Read(ref _delayed);

    /// <summary>Messages held longer than the timeouts (<c>longerThan</c>).</summary>
    public int PastTimeouts => Volatile.Read(ref _pastTimeouts);

    /// <summary>For the report: held messages per method, e.g. <c>CommitOnePhase 12 (5 long)</c>.</summary>
    public string ByMethod => string.Join(", ", _byMethod.OrderBy(m => m.Key, StringComparer.Ordinal)
        .Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value.All} ({m.Value.Long} long)")));

    /// <summary>Whether a message of this interface and method is one of the protocol messages that may be held.</summary>
    public static bool IsProtocolMessage(Type? grainInterface, string method) =>
        grainInterface is not null && (
            typeof(IParticipantGrain).IsAssignableFrom(grainInterface) && ParticipantMethods.Contains(method)
            || typeof(ITransactionCoordinatorGrain).IsAssignableFrom(grainInterface) && CoordinatorMethods.Contains(method));

    /// <summary>The hold for one message to <paramref name="target"/> about <paramref name="operationId"/>.</summary>
    public Hold Next(string method, GrainId target, string operationId, bool oneWay)
    {
        if (!_armed || rate <= 0)
        {
            return Hold.None;
        }

        var subject = $"{method}|{target}|{operationId}";
        var key = $"{subject}|{_seen.AddOrUpdate(subject, 0, (_, n) => n + 1)}";
        if (Seeds.Unit(seed, key, 0) >= rate)
        {
            return Hold.None;
        }

        var isLong = Seeds.Unit(seed, key, 1) < LongShare;
        var length = Seeds.Unit(seed, key, 2);
        var delay = isLong
            ? longerThan + (longerThan * 3 * length)              // past the timeouts: 1x..4x of them
            : TimeSpan.FromMilliseconds(10 + (1_490 * length));  // a busy queue: 10 ms..1.5 s
        Interlocked.Increment(ref _delayed);
        Interlocked.Add(ref _pastTimeouts, isLong ? 1 : 0);
        var count = (1, isLong ? 1 : 0);
        _byMethod.AddOrUpdate(method, count, (_, n) => (n.All + 1, n.Long + count.Item2));

        // A one-way message has no answer to hold.
        return new Hold(delay, !oneWay && Seeds.Unit(seed, key, 3) < 0.5);
    }
}
