namespace OrleansTwoPc.Configuration;

/// <summary>Protocol timing and limits. Bound from the <c>TwoPc</c> configuration section; validated at start.</summary>
public sealed class TwoPcOptions
{
    public const string Section = "TwoPc";

    /// <summary>
    /// How long the coordinator waits for one participant's answer to one call: a prepare (a participant that has not
    /// voted by then counts as a no vote, <c>prepare-timeout</c>, and the transaction aborts), a one-phase commit (then
    /// the coordinator aborts, and the participant's tombstone refuses the late commit), and each phase-2 send (a send
    /// that times out is resent with <see cref="RetryBackoff"/>). Default 5 seconds.
    /// </summary>
    public TimeSpan ParticipantCallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The former name of <see cref="ParticipantCallTimeout"/>, still read from configuration (<c>TwoPc:PrepareTimeout</c>)
    /// so existing settings keep working. Setting it sets <see cref="ParticipantCallTimeout"/>.
    /// </summary>
    [Obsolete("Use ParticipantCallTimeout: the timeout bounds one-phase commits and phase-2 sends too, not only prepares.")]
    public TimeSpan PrepareTimeout
    {
        get => ParticipantCallTimeout;
        set => ParticipantCallTimeout = value;
    }

    /// <summary>
    /// The grain storage provider under the coordinators' and participants' records: the name of any
    /// <c>IGrainStorage</c> registered in the silo (OrleansTwoPc wraps it; the grains themselves persist to
    /// <see cref="TwoPcStorage.Name"/>). Default <see cref="TwoPcStorage.DefaultProviderName"/>, the name the bundled
    /// SQLite, PostgreSQL and memory back ends register.
    /// </summary>
    public string GrainStorageName { get; set; } = TwoPcStorage.DefaultProviderName;

    /// <summary>First wait before resending a phase-2 message (commit/abort) that failed; doubled per try. Default 100 ms.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait between two resends of a phase-2 message. Default 5 seconds.</summary>
    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often every silo sweeps the recovery registry, and how old an unfinished transaction must be before a
    /// sweep wakes its coordinator. An unfinished transaction is resolved at most about twice this after the cluster
    /// is healthy, with no client traffic. Default 30 seconds.
    /// </summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a participant holds a prepared record without hearing the decision before it asks the coordinator
    /// (and applies the answer itself). Default 10 seconds.
    /// </summary>
    public TimeSpan DecisionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Number of recovery registry shards. Changing it orphans entries of the old shards; keep it fixed. Default 8.</summary>
    public int RecoveryShards { get; set; } = 8;

    /// <summary>
    /// How long operation records (coordinator outcomes) and participants' dedupe records are kept. A request created
    /// longer ago than this is refused as expired rather than executed again. Default 7 days.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often each silo deletes expired operation records. Default 1 hour.</summary>
    public TimeSpan RetentionSweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How far a client's clock may run ahead of the silos'. A request dated further in the future is refused as invalid;
    /// expiry is only as exact as the clocks are close. Default 5 minutes.
    /// </summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most prepared records one participant may hold; more prepares vote no (<c>participant-busy</c>). Default 1000.</summary>
    public int MaxPreparedPerParticipant { get; set; } = 1000;

    /// <summary>
    /// Participants keep the record of every transaction that ended there for <see cref="Retention"/> (an audit trail)
    /// instead of dropping it once its coordinator has completed. Default false: a participant's state, written whole
    /// at every change, would otherwise grow with its transaction rate (a hot account's by thousands of records a minute).
    /// Exactly-once does not depend on it: the coordinator's record answers retries for the whole retention period.
    /// </summary>
    public bool KeepParticipantTrail { get; set; }

    /// <summary>Most participants one request may name. Default 16.</summary>
    public int MaxParticipants { get; set; } = 16;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad value.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ParticipantCallTimeout, TimeSpan.Zero, nameof(ParticipantCallTimeout));
        ArgumentException.ThrowIfNullOrWhiteSpace(GrainStorageName, nameof(GrainStorageName));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RetryBackoff, TimeSpan.Zero, nameof(RetryBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetryBackoff, RetryBackoff, nameof(MaxRetryBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(RecoveryInterval, TimeSpan.FromMilliseconds(100), nameof(RecoveryInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(DecisionTimeout, TimeSpan.FromMilliseconds(100), nameof(DecisionTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(RecoveryShards, 1, nameof(RecoveryShards));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RecoveryShards, 1024, nameof(RecoveryShards));
        ArgumentOutOfRangeException.ThrowIfLessThan(Retention, TimeSpan.FromMinutes(1), nameof(Retention));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetentionSweepInterval, TimeSpan.FromSeconds(1), nameof(RetentionSweepInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxClockSkew, TimeSpan.Zero, nameof(MaxClockSkew));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(MaxClockSkew, Retention, nameof(MaxClockSkew));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPreparedPerParticipant, 1, nameof(MaxPreparedPerParticipant));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxParticipants, 1, nameof(MaxParticipants));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxParticipants, 256, nameof(MaxParticipants));
    }
}
