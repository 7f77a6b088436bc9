using System.Globalization;

namespace OrleansTwoPc;

/// <summary>
/// Time-ordered operation ids: an id that carries its own creation time, so that a retry, however late and from
/// whatever process, carries it too. An id is time-ordered when it ends in a version-7 UUID (RFC 9562, whose first
/// 48 bits are the Unix time in milliseconds), either alone or after a prefix ending in one of <c>- _ . :</c>,
/// e.g. <c>op-0193a3c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d</c>.
/// </summary>
public static class OperationIds
{
    private const int UuidLength = 36;

    /// <summary>A new time-ordered id, <c>{prefix}-{uuid v7}</c>, dated by <paramref name="time"/> (the system clock by default).</summary>
    public static string New(string prefix = "op", TimeProvider? time = null)
    {
        RequestValidator.ValidateId(prefix, nameof(prefix));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefix.Length, RequestLimits.MaxIdLength - UuidLength - 1, nameof(prefix));
        var uuid = Guid.CreateVersion7((time ?? TimeProvider.System).GetUtcNow());
        return prefix + "-" + uuid.ToString("D", CultureInfo.InvariantCulture);
    }

    /// <summary>The creation time a time-ordered id carries (millisecond precision); false for any other id.</summary>
    public static bool TryGetCreationTime(string? operationId, out DateTimeOffset createdAt)
    {
        createdAt = default;
        if (operationId is null || operationId.Length < UuidLength)
        {
            return false;
        }

        var start = operationId.Length - UuidLength;
        if (start > 0 && operationId[start - 1] is not ('-' or '_' or '.' or ':'))
        {
            return false;
        }

        var text = operationId.AsSpan(start);
        if (!Guid.TryParseExact(text, "D", out var uuid) || uuid.Version != 7 || (uuid.Variant & 0xC) != 0x8)
        {
            return false;
        }

        // The first 12 hex digits (8, a dash, then 4) are the 48-bit big-endian Unix time in milliseconds.
        var hex = string.Concat(text[..8], text.Slice(9, 4));
        var milliseconds = long.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        createdAt = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
        return true;
    }
}
