using Microsoft.Extensions.Logging;
using OrleansTwoPc.Chaos;
using OrleansTwoPc.Protocol;
using static OrleansTwoPc.Tests.Chaos.CheckerStory;

namespace OrleansTwoPc.Tests.Chaos;

/// <summary>
/// The service asserts its own invariants; a chaos run must count every such assertion wherever it surfaced (a silo
/// log, an abort reason, a client's error, an external silo's log file), count nothing else, and fail on any.
/// </summary>
public sealed class InvariantCountTests
{
    [Fact]
    public void Invariant_failures_in_logs_abort_reasons_and_client_errors_are_counted_and_fail_the_run()
    {
        var story = new CheckerStory();
        using var output = new StringWriter();
        var log = new ChaosLog(echo: false, output);
        var logger = log.CreateLogger("OrleansTwoPc.Participants.LedgerGrain");
        Write(logger, LogLevel.Error, new ProtocolInvariantException("held exceeds balance"));
        Write(logger, LogLevel.Warning, new InvalidOperationException("call failed", new ProtocolInvariantException("applied twice")));
        Write(logger, LogLevel.Error, new TimeoutException("not an invariant"));
        Write(logger, LogLevel.Error, null);
        // The coordinator turns an assertion at prepare into a participant-failed abort: its reason names it.
        story.History.Start("t2", "transfer", Transfer);
        story.Statuses["t2"] = Outcome("t2", TransactionStatus.Aborted, T1) with
        {
            Reason = new AbortReason(AbortCodes.ParticipantFailed, "ledger/a failed to prepare: ProtocolInvariantException: held exceeds balance"),
        };
        story.History.Start("t3", "deposit", Deposit).Add(Response.From(Submission.First, new ProtocolInvariantException("negative amount")));
        story.Statuses["t3"] = Outcome("t3", TransactionStatus.Unknown, null, completed: false);
        var run = new RunData(story.History, story.Final, 0, new ChaosStorageFaults(1, 0), log,
            TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

        var count = ChaosRunner.CountInvariantFailures(run);

        Assert.Equal(4, count);
        Assert.Equal((3, 1), (log.Errors, log.Warnings)); // and every entry as a log line, invariant or not
        var verdict = story.Check();
        verdict.InvariantFailures = count;
        Assert.False(verdict.Clean);
    }

    [Fact]
    public void Lines_of_external_silo_logs_naming_an_invariant_failure_are_counted()
    {
        var folder = Directory.CreateTempSubdirectory("invariant-scan-").FullName;
        try
        {
            File.WriteAllLines(Path.Combine(folder, "silo-0.log"),
            [
                "info: Orleans.Runtime.Silo[0] Silo active in cluster",
                "fail: OrleansTwoPc.Coordinator[101] OrleansTwoPc.Protocol.ProtocolInvariantException: a decision changed",
            ]);
            File.WriteAllLines(Path.Combine(folder, "silo-1.log"), ["fail: Orleans.Runtime.Messaging[0] connection reset"]);
            File.WriteAllLines(Path.Combine(folder, "chaos.log"), ["ProtocolInvariantException in a file that is not a silo log"]);
            using var output = new StringWriter();
            var log = new ChaosLog(echo: false, output);

            ExternalRun.ScanSiloLogs(folder, log, output);

            Assert.Single(log.InvariantFailures);
            Assert.Contains("2 error entries", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Write(ILogger logger, LogLevel level, Exception? exception) =>
        logger.Log(level, default, "planted", exception, (state, _) => state);
}
