using Orleans.Configuration;

namespace OrleansTwoPc.Silo;

/// <summary>
/// How fast the cluster notices a dead silo. Bound from the <c>TwoPc:Membership</c> configuration section and copied
/// onto Orleans' <see cref="ClusterMembershipOptions"/>. Until a crashed silo is declared dead, calls to the grains it
/// hosted fail (connection refused) and cannot be re-activated elsewhere; the defaults declare a killed silo dead in
/// about 2 seconds (Orleans' own defaults take 10 to 15 seconds on PostgreSQL). The price: a silo that stalls longer
/// than about <see cref="ProbeTimeout"/> × <see cref="NumMissedProbesLimit"/> (a long GC pause, CPU starvation, a
/// network hiccup) is declared dead too and must restart, and the membership table is read and written more often.
/// </summary>
public sealed class MembershipTimingOptions
{
    public const string Section = "TwoPc:Membership";

    /// <summary>
    /// How long a silo waits for a peer to answer one liveness probe. Shorter detects crashes sooner; too short turns
    /// a slow but healthy peer into a suspect. Default 1 second (Orleans: 5 s).
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Missed probes in a row before a silo votes a peer dead. Fewer detects crashes sooner; more tolerates
    /// transient stalls. Default 2 (Orleans: 3).
    /// </summary>
    public int NumMissedProbesLimit { get; set; } = 2;

    /// <summary>
    /// How often each silo re-reads the whole membership table, its fallback when it missed a gossip message. Shorter
    /// spreads membership changes sooner at the cost of one table read per silo per period. Default 2 seconds
    /// (Orleans: 60 s).
    /// </summary>
    public TimeSpan TableRefreshTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often each silo writes its "I am alive" heartbeat to the table; peers treat a silo whose heartbeat is
    /// several periods old as stale. Shorter notices stale entries sooner at the cost of one table write per silo
    /// per period. Default 5 seconds (Orleans: 30 s).
    /// </summary>
    public TimeSpan IAmAliveTablePublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad value.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ProbeTimeout, TimeSpan.FromMilliseconds(100), nameof(ProbeTimeout));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ProbeTimeout, TimeSpan.FromMinutes(5), nameof(ProbeTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(NumMissedProbesLimit, 1, nameof(NumMissedProbesLimit));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(NumMissedProbesLimit, 20, nameof(NumMissedProbesLimit));
        ArgumentOutOfRangeException.ThrowIfLessThan(TableRefreshTimeout, TimeSpan.FromMilliseconds(500), nameof(TableRefreshTimeout));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TableRefreshTimeout, TimeSpan.FromMinutes(10), nameof(TableRefreshTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(IAmAliveTablePublishTimeout, TimeSpan.FromSeconds(1), nameof(IAmAliveTablePublishTimeout));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(IAmAliveTablePublishTimeout, TimeSpan.FromMinutes(10), nameof(IAmAliveTablePublishTimeout));
    }

    /// <summary>Copies these values onto Orleans' options.</summary>
    public void ApplyTo(ClusterMembershipOptions options)
    {
        options.ProbeTimeout = ProbeTimeout;
        options.NumMissedProbesLimit = NumMissedProbesLimit;
        options.TableRefreshTimeout = TableRefreshTimeout;
        options.IAmAliveTablePublishTimeout = IAmAliveTablePublishTimeout;
    }
}
