using System.Diagnostics;
using System.Globalization;

namespace OrleansTwoPc.Chaos;

/// <summary>
/// The outcome of an exactly-once chaos run; <see cref="ResultLine"/> is the run's last printed line. Pauses and held
/// messages are listed only by runs that inject them (null otherwise), so earlier runs' lines keep their shape.
/// </summary>
public sealed record ChaosResult(int Seed, int Ops, int Committed, int Aborted, int Kills, Verdict Verdict, TimeSpan Elapsed)
{
    public int? Pauses { get; init; }

    public int? Delayed { get; init; }

    /// <summary>Submissions sent through a silo's HTTP API (<c>--http</c> runs only; null otherwise).</summary>
    public int? Http { get; init; }

    /// <summary>What the run was asked to do and did not (<see cref="RunData.Unfulfilled"/>).</summary>
    public IReadOnlyList<string> Unfulfilled { get; init; } = [];

    public bool Passed => Verdict.Clean && Unfulfilled.Count == 0;

    public string ResultLine => string.Create(CultureInfo.InvariantCulture,
        $"RESULT seed={Seed} ops={Ops} committed={Committed} aborted={Aborted} kills={Kills}{Optional("pauses", Pauses)}{Optional("delayed", Delayed)}{Optional("http", Http)} " +
        $"lost={Verdict.Lost} duplicated={Verdict.Duplicated} mismatched={Verdict.Mismatched} torn={Verdict.Torn} stuck={Verdict.Stuck}" +
        $"{Optional("unfulfilled", Unfulfilled.Count > 0 ? Unfulfilled.Count : null)}");

    private static string Optional(string name, int? value) =>
        value is { } v ? string.Create(CultureInfo.InvariantCulture, $" {name}={v}") : "";
}

/// <summary>The library entry point of the exactly-once run (the console program and the test both call it).</summary>
public static class ChaosRunner
{
    public static async Task<ChaosResult> RunAsync(ChaosOptions options, TextWriter writer)
    {
        options.Validate();
        // The fault loop, quiescence and loggers write from many threads; a test's StringWriter is not thread-safe.
        var output = TextWriter.Synchronized(writer);
        var clock = Stopwatch.StartNew();
        RunData run;
        using var http = options.Http.Count > 0 ? new HttpSubmitter(options.Http, Workload.ClientRetries()) : null;
        if (options.External)
        {
            output.WriteLine($"chaos: external cluster {options.ClusterId} via {string.Join(",", options.Gateways)}: seed={options.Seed} " +
                $"duration={options.Duration.TotalSeconds:0}s clients={options.Clients} (kills by the caller; no storage faults)" +
                (http is null ? "" : $"; a share of {options.EffectiveHttpShare:0.##} of the submissions through POST /transactions on {string.Join(",", options.Http)}"));
            run = await ExternalRun.RunAsync(options, new Workload(options.Seed, http, options.EffectiveHttpShare), "exactly-once", output);
        }
        else
        {
            output.WriteLine($"chaos: seed={options.Seed} duration={options.Duration.TotalSeconds:0}s silos={options.Silos} " +
                $"clients={options.Clients} storage-faults={options.StorageFaultRate:0.###} slow-writes={options.SlowWriteRate:0.##} kill-interval~{options.KillInterval.TotalSeconds:0}s" +
                (options.EffectivePauseShare > 0 ? $" pause-share={options.EffectivePauseShare:0.##}" : "") +
                (options.EffectiveDelayRate > 0 ? $" delay-rate={options.EffectiveDelayRate:0.###}" : "") +
                (options.Forget ? " participants forget (checked by values, not trails)" : ""));
            run = await FaultyRun.RunAsync(options, new Workload(options.Seed), "exactly-once", output);
        }

        var verdict = new Checker(run.History, run.Final, trails: !options.Forget).Check();
        verdict.InvariantFailures = CountInvariantFailures(run);
        var statuses = run.Final.Statuses.Values;
        var result = new ChaosResult(options.Seed, run.History.Operations.Count,
            statuses.Count(s => s.Status == TransactionStatus.Committed),
            statuses.Count(s => s.Status == TransactionStatus.Aborted),
            run.Kills, verdict, clock.Elapsed)
        {
            Pauses = options.External ? (options.ExpectPauses > 0 || run.Pauses > 0 ? run.Pauses : null)
                : options.EffectivePauseShare > 0 ? run.Pauses : null,
            Delayed = run.Delays?.Delayed,
            Http = run.HttpSubmissions,
            Unfulfilled = run.Unfulfilled,
        };
        Report(run, result, http, output);
        return result;
    }

    /// <summary>
    /// The service asserts its invariants and throws <c>ProtocolInvariantException</c>; the coordinator turns one at
    /// prepare into a <c>participant-failed</c> abort, so look in logs, abort reasons and client errors alike.
    /// </summary>
    public static int CountInvariantFailures(RunData run)
    {
        const string Marker = "ProtocolInvariantException";
        foreach (var status in run.Final.Statuses.Values.Where(s => s.Reason?.Message.Contains(Marker, StringComparison.Ordinal) == true))
        {
            run.Log.ReportInvariantFailure(status.OperationId, status.Reason!.Message);
        }

        foreach (var operation in run.History.Operations)
        {
            foreach (var response in operation.Responses.Where(r => r.Error == Marker || r.ErrorMessage?.Contains(Marker, StringComparison.Ordinal) == true))
            {
                run.Log.ReportInvariantFailure(operation.Id, $"client got {response}");
            }
        }

        return run.Log.InvariantFailures.Count;
    }

    private static void Report(RunData run, ChaosResult result, HttpSubmitter? http, TextWriter output)
    {
        var operations = run.History.Operations;
        var verdict = result.Verdict;
        var byKind = string.Join(", ", operations.GroupBy(o => o.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
        var aborts = run.Final.Statuses.Values.Where(s => s.Status == TransactionStatus.Aborted)
            .GroupBy(s => s.Reason?.Code ?? "?").OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}");
        var unknownToClient = operations.Count(o => !o.Responses.Any(r => r.IsDefinite));
        var responses = operations.Sum(o => o.Responses.Count);
        output.WriteLine($"seed: {result.Seed}");
        output.WriteLine($"ops submitted: {result.Ops} ({byKind}); responses recorded: {responses}; client retries: {run.History.Retries}");
        output.WriteLine($"final status: committed {result.Committed}, aborted {result.Aborted} ({string.Join(", ", aborts)}), never ran {verdict.NeverRan}");
        output.WriteLine($"unknown to client (no definite answer): {unknownToClient}");
        output.WriteLine($"replays checked: {run.History.Replays} (replay flag missing: {verdict.ReplayFlagMissing}); concurrent duplicate groups: {run.History.DuplicateGroups}");
        output.WriteLine(run.External is null
            ? $"kills: {result.Kills}; storage faults injected: {run.Storage.Injected} (before write {run.Storage.FailedBeforeWrite}, after write {run.Storage.FailedAfterWrite}) of {run.Storage.Writes} writes; {run.Storage.Slowed} writes slowed"
            : $"kills: {result.Kills}; {run.External}");
        if (run.Pauses > 0 || run.PauseReport is not null && result.Pauses is not null)
        {
            output.WriteLine($"pauses: {run.Pauses}" + (run.PauseReport is null ? "" : $"; {run.PauseReport}"));
        }

        if (http is not null && run.HttpSubmissions is { } overHttp)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"http: {overHttp} of {run.Submissions} submissions ({(run.Submissions == 0 ? 0 : 100.0 * overHttp / run.Submissions):0}%) through POST /transactions on {string.Join(",", http.Endpoints)}, ") +
                $"{run.HttpAnswered} of them answered committed or aborted there; requests and answers: {http.Answers}");
        }

        if (run.Delays is { } delays)
        {
            output.WriteLine($"held messages: {delays.Delayed} of the protocol's ({delays.PastTimeouts} past the {ChaosCluster.ProtocolTimeout.TotalSeconds:0}s timeouts): {delays.ByMethod}");
        }

        output.WriteLine($"time: setup {run.SetupTime.TotalSeconds:0.0}s, {(run.External is null ? "faults" : "workload")} {run.FaultTime.TotalSeconds:0.0}s, drain {run.DrainTime.TotalSeconds:0.0}s, settle+read {run.SettleTime.TotalSeconds:0.0}s, total {result.Elapsed.TotalSeconds:0.0}s; settled: {(run.Final.Settled ? "yes" : "NO")}");
        output.WriteLine($"log (counted, not shown): {run.Log.Warnings} warnings, {run.Log.Errors} errors; top: {run.Log.TopCategories(4)}");
        output.WriteLine($"invariant failures: {verdict.InvariantFailures}");
        foreach (var failure in run.Log.InvariantFailures.Take(10))
        {
            output.WriteLine($"  INVARIANT {failure}");
        }

        foreach (var line in verdict.Evidence)
        {
            output.WriteLine($"  {line}");
        }

        if (verdict.EvidenceDropped > 0)
        {
            output.WriteLine($"  ... and {verdict.EvidenceDropped} more");
        }

        foreach (var line in result.Unfulfilled)
        {
            output.WriteLine($"  UNFULFILLED {line}");
        }

        output.WriteLine(result.ResultLine);
    }
}
