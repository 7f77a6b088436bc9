using System.Globalization;

namespace OrleansTwoPc;

/// <summary>Bounds on what one request may ask. Shared by the client (early errors) and the coordinator (the authority).</summary>
public sealed record RequestLimits
{
    /// <summary>Longest operation id or participant key, in characters.</summary>
    public const int MaxIdLength = 128;

    /// <summary>Largest amount of one operation. Keeps sums of many operations far from <see cref="long.MaxValue"/>.</summary>
    public const long MaxAmount = 1_000_000_000_000_000;

    /// <summary>Most participants one request may name. Default 16.</summary>
    public int MaxParticipants { get; init; } = 16;
}
