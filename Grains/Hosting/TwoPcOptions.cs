namespace OrleansTwoPc.Hosting;

/// <summary>Protocol timing and limits. Bound from the <c>TwoPc</c> configuration section; validated at start.</summary>
public sealed class TwoPcOptions
{
    public const string Section = "TwoPc";

    /// <summary>
    /// How long the coordinator waits for one participant's vote; a participant that has not voted by then counts
    /// as a no vote (<c>prepare-timeout</c>) and the transaction aborts. Default 5 seconds.
    /// </summary>
    public TimeSpan PrepareTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait before resending a phase-2 message (commit/abort) that failed; doubled per try. Default 100 ms.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait between two resends of a phase-2 message. Default 5 seconds.</summary>
    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most participants one request may name. Default 16.</summary>
    public int MaxParticipants { get; set; } = 16;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad value.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PrepareTimeout, TimeSpan.Zero, nameof(PrepareTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RetryBackoff, TimeSpan.Zero, nameof(RetryBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetryBackoff, RetryBackoff, nameof(MaxRetryBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxParticipants, 1, nameof(MaxParticipants));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxParticipants, 256, nameof(MaxParticipants));
    }
}
