using System.Globalization;

namespace OrleansTwoPc.Chaos;

/// <summary>
/// What an external run was asked to do against what its caller's faults file and the final read show it did. A run
/// that checked a calm cluster, or memory instead of storage, proves nothing, so each shortfall fails the run.
/// </summary>
public static class RunClaims
{
    /// <param name="options">The run's expectations (<c>--expect-kills</c>, <c>--expect-pauses</c>, <c>--expect-outage</c>).</param>
    /// <param name="faults">The faults the caller logged.</param>
    /// <param name="stillActive">Service grain activations that stayed active through the final collection (read from memory).</param>
    /// <returns>One line per claim the run did not meet; empty when it did what it claims.</returns>
    public static IReadOnlyList<string> Unfulfilled(ChaosOptions options, FaultLog faults, int stillActive)
    {
        var unfulfilled = new List<string>();
        if (faults.Kills.Count < options.ExpectKills)
        {
            unfulfilled.Add(Line($"{faults.Kills.Count} kills, at least {options.ExpectKills} asked"));
        }

        if (faults.Pauses.Count < options.ExpectPauses)
        {
            unfulfilled.Add(Line($"{faults.Pauses.Count} pauses, at least {options.ExpectPauses} asked"));
        }

        if (options.ExpectOutage && !faults.Outages.Any(o => o.Started is not null))
        {
            unfulfilled.Add(faults.Outages.Count == 0
                ? "a PostgreSQL outage was asked and none happened"
                : "a PostgreSQL outage was asked and PostgreSQL was never started again");
        }

        if (stillActive != 0)
        {
            unfulfilled.Add(Line($"the final state was to be read from storage, but {(stillActive < 0 ? "the activations could not be collected" : $"{stillActive} activations stayed active")}: those were read from memory"));
        }

        return unfulfilled;
    }

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
