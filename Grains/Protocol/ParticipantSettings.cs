using OrleansTwoPc.Faults;

namespace OrleansTwoPc.Protocol;

/// <summary>A participant's limits, retention and hooks.</summary>
public sealed record ParticipantSettings
{
    /// <summary>Most prepared records one participant holds; further prepares vote no (<c>participant-busy</c>).</summary>
    public int MaxPrepared { get; init; } = 1000;

    /// <summary>How long operations are deduplicated; older ones are refused as expired.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How far clocks may differ; records are kept this much longer (twice: caller and participant).</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Keep every ended record for <see cref="Retention"/> instead of forgetting it once its coordinator completed:
    /// an audit trail (the chaos checker reads it), at the price of a state that grows with the operation rate.
    /// </summary>
    public bool KeepTrail { get; init; }

    /// <summary>Prune the trail once per this many new ended records.</summary>
    public int PruneEvery { get; init; } = 256;

    internal IFaultInjector Faults { get; init; } = NoFaults.Instance;

    /// <summary>Called with (operation id, prepared time) when a prepared record appears, (id, null) when it goes.</summary>
    public Action<string, DateTimeOffset?>? PreparedChanged { get; init; }
}
