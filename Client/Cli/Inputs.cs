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

    /// <summary>A fresh operation id, <c>op-</c> and 16 hex digits: 64 random bits, so two runs never collide in practice.</summary>
    public static string NewOperationId() => "op-" + Guid.NewGuid().ToString("N")[..16];

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
