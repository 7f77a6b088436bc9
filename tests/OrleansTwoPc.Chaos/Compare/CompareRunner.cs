using System.Diagnostics;

namespace OrleansTwoPc.Chaos.Compare;

/// <summary>One row of the comparison: how many intents a delivery mode lost or applied more than once.</summary>
public sealed record DeliveryRow(string Mode, int Intents, int Lost, int Duplicated, int Kills, int StorageFaults, int Attempts, Verdict Protocol);

/// <summary>The comparison table; exactly-once must show no loss, no duplicate and no protocol violation.</summary>
public sealed record CompareResult(int Seed, IReadOnlyList<DeliveryRow> Rows, TimeSpan Elapsed)
{
    public DeliveryRow ExactlyOnce => Rows.Single(r => r.Mode == "exactly-once");

    public bool Passed => ExactlyOnce is { Lost: 0, Duplicated: 0 } && Rows.All(r => r.Protocol.Clean);
}

/// <summary>
/// Runs the three delivery semantics one after another, each on a fresh cluster with the same seeded fault shape
/// (kill schedule, storage fault rate, intent sequence), and counts what each did to its intents through the
/// participants' trails: none applied = lost, more than one applied = duplicated. Nothing is simulated: the numbers
/// are whatever the faults did to each client.
/// </summary>
public static class CompareRunner
{
    public static async Task<CompareResult> RunAsync(ChaosOptions options, TextWriter writer)
    {
        options.Validate();
        var output = TextWriter.Synchronized(writer);
        var clock = Stopwatch.StartNew();
        var rows = new List<DeliveryRow>();
        foreach (var delivery in new[] { Delivery.AtMostOnce, Delivery.AtLeastOnce, Delivery.ExactlyOnce })
        {
            var workload = new DeliveryWorkload(options.Seed, delivery);
            var run = await FaultyRun.RunAsync(options, workload, workload.Name, output);
            var protocol = new Checker(run.History, run.Final).Check();
            protocol.InvariantFailures = ChaosRunner.CountInvariantFailures(run);
            rows.Add(Count(workload.Name, run, protocol));
            output.WriteLine($"[{workload.Name}] protocol check per id: lost={protocol.Lost} duplicated={protocol.Duplicated} " +
                $"mismatched={protocol.Mismatched} torn={protocol.Torn} stuck={protocol.Stuck} invariants={protocol.InvariantFailures}");
            foreach (var line in protocol.Evidence.Take(10))
            {
                output.WriteLine($"  {line}");
            }
        }

        var result = new CompareResult(options.Seed, rows, clock.Elapsed);
        Print(result, output);
        return result;
    }

    /// <summary>Per intent: how many of its attempts' ids committed at the account it credits.</summary>
    private static DeliveryRow Count(string mode, RunData run, Verdict protocol)
    {
        var attempts = run.History.Operations.Where(o => o.Intent is not null).ToList();
        var applied = attempts.GroupBy(o => o.Intent!.Value).Select(intent => intent.Count(attempt =>
        {
            var target = attempt.Request.Operations.Single(op => op.Action == LedgerActions.Credit).Participant;
            return run.Final.Participants[target].Ended.Any(e => e.OperationId == attempt.Id && e.Committed);
        })).ToList();
        return new DeliveryRow(mode, applied.Count, applied.Count(n => n == 0), applied.Count(n => n > 1),
            run.Kills, run.Storage.Injected, attempts.Count, protocol);
    }

    private static void Print(CompareResult result, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"seed {result.Seed}, {result.Elapsed.TotalSeconds:0}s in all");
        output.WriteLine();
        output.WriteLine("| mode | intents | lost | duplicated |");
        output.WriteLine("|---|---|---|---|");
        foreach (var row in result.Rows)
        {
            output.WriteLine($"| {row.Mode} | {row.Intents} | {row.Lost} | {row.Duplicated} |");
        }

        output.WriteLine();
        foreach (var row in result.Rows)
        {
            var note = row.Lost + row.Duplicated == 0 && row.Mode != "exactly-once"
                ? " (this run happened to hit none of its failure windows: 0 is what was measured, not a guarantee)"
                : "";
            output.WriteLine($"{row.Mode}: {row.Attempts} operation ids for {row.Intents} intents, {row.Kills} kills, " +
                $"{row.StorageFaults} storage faults{note}");
        }

        output.WriteLine(result.Passed ? "COMPARE PASS: exactly-once lost nothing and duplicated nothing"
            : "COMPARE FAIL: exactly-once lost or duplicated an intent, or a protocol check failed");
    }
}
