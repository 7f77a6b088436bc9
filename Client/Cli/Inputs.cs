using System.Globalization;

namespace OrleansTwoPc.Cli;

/// <summary>Values typed on the command line that need more than System.CommandLine's parsing.</summary>
internal static class Inputs
{
    private static readonly string AmountRule =
        string.Create(CultureInfo.InvariantCulture, $"must be a whole number between 1 and {RequestLimits.MaxAmount}");

    /// <summary>
    /// Parses an amount or quantity. Signs, decimals, separators, spaces and overflow are all refused with the same
    /// message, before any network call.
    /// </summary>
    public static long Amount(string text, string field)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var amount)
            && amount is >= 1 and <= RequestLimits.MaxAmount)
        {
            return amount;
        }

        throw new InvalidRequestException(field, $"{AmountRule}; got '{Clip(text)}'");
    }

    /// <summary>
    /// Checks a participant key typed as an option (<c>--account</c>, <c>--item</c>, ...), naming that option rather
    /// than its place in the request the command builds.
    /// </summary>
    public static string Key(string text, string field)
    {
        RequestValidator.ValidateId(text, field);
        return text;
    }

    /// <summary>The two accounts of a transfer: each a valid key, and not the same one.</summary>
    public static (string From, string To) TwoAccounts(string from, string to)
    {
        Key(from, "from");
        Key(to, "to");
        if (string.Equals(from, to, StringComparison.Ordinal))
        {
            throw new InvalidRequestException("to", $"must be another account than from; got '{Clip(to)}' for both");
        }

        return (from, to);
    }

    /// <summary>Parses a recovery shard count (<c>in-doubt --shards</c>): a whole number from 1 to <see cref="ClientConfiguration.MaxRecoveryShards"/>.</summary>
    public static int Shards(string text)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var shards)
            && shards is >= 1 and <= ClientConfiguration.MaxRecoveryShards)
        {
            return shards;
        }

        throw new InvalidRequestException("shards",
            string.Create(CultureInfo.InvariantCulture, $"must be a whole number between 1 and {ClientConfiguration.MaxRecoveryShards}; got '{Clip(text)}'"));
    }

    /// <summary>A fresh operation id, <c>op-</c> and 16 hex digits: 64 random bits, so two runs never collide in practice.</summary>
    /// <summary>A new time-ordered id (op-{uuid v7}): it carries its creation time, so a retry needs nothing else.</summary>
    public static string NewOperationId() => OperationIds.New();

    /// <summary>An ISO 8601 time with an offset or Z, e.g. 2026-12-04T18:00:00Z.</summary>
    public static DateTimeOffset Time(string text, string field) =>
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw new InvalidRequestException(field, $"must be a time such as 2026-12-04T18:00:00Z; got '{Clip(text)}'");

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
