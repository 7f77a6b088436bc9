namespace OrleansTwoPc.Client;

/// <summary>How <see cref="TransactionClient"/> retries. Bound from the <c>TwoPc:Client</c> configuration section.</summary>
public sealed class TransactionClientOptions
{
    public const string Section = "TwoPc:Client";

    /// <summary>
    /// How long to keep retrying one operation id before giving up with <see cref="OutcomeUnknownException"/>.
    /// Default 30 seconds.
    /// </summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait before the first retry; doubled after each failed attempt. Default 100 milliseconds.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait between two attempts. Default 2 seconds.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad value.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Deadline, TimeSpan.Zero, nameof(Deadline));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(InitialBackoff, TimeSpan.Zero, nameof(InitialBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBackoff, InitialBackoff, nameof(MaxBackoff));
    }
}
