using System.Diagnostics;

namespace OrleansTwoPc.Benchmark.Probes;

/// <summary>One phase's duration over the measured operations of a cell, in milliseconds.</summary>
public sealed record PhaseStat(string Name, string Meaning, bool OnCallerPath, int Count, double MeanMs, double P50Ms, double P99Ms);

/// <summary>Where an OrleansTwoPc transaction's time went, phase by phase (committed two-phase operations only).</summary>
public sealed record PhaseBreakdown(IReadOnlyList<PhaseStat> Phases)
{
    public const string Activation = "call+activate";
    public const string BeginWrite = "begin-write";
    public const string Prepare = "prepare";
    public const string VoteReturn = "vote-return";
    public const string DecisionWrite = "decision-write";
    public const string Answer = "answer";
    public const string Total = "total";
    public const string PrepareSpread = "prepare-spread";
    public const string Phase2 = "phase2";

    private static readonly (string Name, string Meaning, bool OnPath)[] Definitions =
    [
        (Activation, "client call to the coordinator, its activation (a storage read of the absent record), validation, until the Begin write starts", true),
        (BeginWrite, "Begin record write, in parallel with the recovery-registry write; until both are durable", true),
        (Prepare, "prepare messages out, queueing at the participants, prepared-record writes (group-committed): until the slowest participant's record is durable", true),
        (VoteReturn, "the slowest vote back to the coordinator and its turn, until the decision write starts", true),
        (DecisionWrite, "decision record write", true),
        (Answer, "answer back to the client", true),
        (Total, "client-measured latency of these operations", true),
        (PrepareSpread, "slowest minus fastest prepared-record write time (fan-out tail)", false),
        (Phase2, "after the decision: commit messages, participants' ended-record writes, the Completed write (off the caller's path)", false),
    ];

    public static IReadOnlyList<string> Names { get; } = Definitions.Select(d => d.Name).ToList();

    public static PhaseBreakdown Empty { get; } = new([]);

    public PhaseStat? this[string name] => Phases.FirstOrDefault(p => p.Name == name);

    public static PhaseBreakdown From(IReadOnlyDictionary<string, List<long>> ticksByPhase)
    {
        var stats = new List<PhaseStat>();
        foreach (var (name, meaning, onPath) in Definitions)
        {
            var values = ticksByPhase[name];
            if (values.Count == 0)
            {
                continue;
            }

            values.Sort();
            stats.Add(new PhaseStat(name, meaning, onPath, values.Count, Ms(values.Average()),
                Ms(values[(int)(0.50 * (values.Count - 1))]), Ms(values[(int)(0.99 * (values.Count - 1))])));
        }

        return new PhaseBreakdown(stats);
    }

    private static double Ms(double ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
