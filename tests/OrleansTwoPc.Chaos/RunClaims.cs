using System.Globalization;

namespace OrleansTwoPc.Chaos;

/// <summary>
/// What an external run was asked to do against what its caller's faults file and the final read show it did. A run
/// that checked a calm cluster, or memory instead of storage, proves nothing, so each shortfall fails the run.
/// </summary>
public static class RunClaims
{
    /// <summary>
    /// With <c>--http</c>, at least this fraction of <see cref="ChaosOptions.EffectiveHttpShare"/> of the submissions
    /// must have got a definite answer over HTTP (20 % of them at the default share, 0.5): a run whose HTTP submissions
    /// all failed, or that sent almost none, did not test the HTTP path. Loose enough for silos killed all the time.
    /// </summary>
    public const double MinHttpFraction = 0.4;

    /// <param name="options">The run's expectations (<c>--expect-kills</c>, <c>--expect-pauses</c>, <c>--expect-outage</c>, <c>--http</c>).</param>
    /// <param name="faults">The faults the caller logged.</param>
    /// <param name="stillActive">Service grain activations that stayed active through the final collection (read from memory).</param>
    /// <param name="submissions">Submissions the workload made (status probes are not submissions).</param>
    /// <param name="answeredOverHttp">Of those, the ones sent over HTTP that got a definite answer there.</param>
    /// <returns>One line per claim the run did not meet; empty when it did what it claims.</returns>
    public static IReadOnlyList<string> Unfulfilled(ChaosOptions options, FaultLog faults, int stillActive, int submissions = 0, int answeredOverHttp = 0)
    {
        var unfulfilled = new List<string>();
        var httpNeeded = (int)Math.Ceiling(MinHttpFraction * options.EffectiveHttpShare * submissions);
        if (options.Http.Count > 0 && (answeredOverHttp < httpNeeded || answeredOverHttp == 0))
        {
            unfulfilled.Add(Line($"{answeredOverHttp} of {submissions} submissions got a definite answer over HTTP, at least {httpNeeded} asked ({MinHttpFraction:0.##} of --http-share {options.EffectiveHttpShare:0.##})"));
        }

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
