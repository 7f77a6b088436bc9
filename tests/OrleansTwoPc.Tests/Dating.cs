namespace OrleansTwoPc.Tests;

/// <summary>Dating requests in tests: every new operation id needs its creation time (RequestValidator.CreationTime).</summary>
internal static class Dating
{
    /// <summary>The request, created at <paramref name="at"/> (now on the system clock by default).</summary>
    public static TransactionRequest Dated(this TransactionRequest request, DateTimeOffset? at = null) =>
        request with { CreatedAt = at ?? DateTimeOffset.UtcNow };
}
