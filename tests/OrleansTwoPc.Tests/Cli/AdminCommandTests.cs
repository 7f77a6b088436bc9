using OrleansTwoPc.Client;
using System.Text.Json.Nodes;
using OrleansTwoPc.Faults;

using OrleansTwoPc.Tests.Cluster;

namespace OrleansTwoPc.Tests.Cli;

/// <summary>The operator commands, run in-process against a silo: inspect, participant, in-doubt, resolve.</summary>
[Collection(CliClusterCollection.Name)]
public sealed class AdminCommandTests(CliClusterFixture fixture)
{
    private readonly string _gateway = fixture.Gateway;

    // Time-ordered: the CLI runs an --op-id that carries its own creation time without --created-at.
    private static string Unique(string prefix) => OperationIds.New(prefix);

    private Task<CliResult> Cli(params string[] args) => CliRunner.AtAsync(_gateway, args);

    private async Task<string> FundedAccountAsync(long amount)
    {
        var account = Unique("acct");
        Assert.Equal(TransactionStatus.Committed,
            (await fixture.Transactions.ExecuteAsync(Unique("fund"), TransactionRequest.Deposit(account, amount).Dated())).Status);
        return account;
    }

    [Fact]
    public async Task Inspect_shows_phase_status_decision_participants_votes_times_epoch_and_fingerprint()
    {
        var alice = await FundedAccountAsync(100);
        var bob = Unique("acct");
        var op = Unique("t");
        var transfer = await Cli("transfer", "--from", alice, "--to", bob, "--amount", "30", "--op-id", op);
        transfer.Exits(0);
        await WaitCompletedAsync(op);

        var run = await Cli("inspect", op);

        run.Exits(0);
        Assert.Equal("", run.Stderr);
        var lines = run.Out.Split('\n');
        Assert.Equal($"operation id: {op}", lines[0]);
        Assert.Equal("phase:        Completed", lines[1]);
        Assert.Equal("status:       committed", lines[2]);
        Assert.Equal("decision:     commit (durable; never changes)", lines[3]);
        Assert.Equal("participants: 2", lines[4]);
        Assert.Equal($"  ledger/{alice}  debit 30   vote yes", lines[5]);
        Assert.Equal($"  ledger/{bob}  credit 30  vote yes", lines[6]);
        Assert.StartsWith("created:      20", lines[7], StringComparison.Ordinal);
        Assert.StartsWith("decided:      20", lines[8], StringComparison.Ordinal);
        Assert.StartsWith("completed:    20", lines[9], StringComparison.Ordinal);
        Assert.Equal("epoch:        1", lines[10]);
        Assert.Equal($"fingerprint:  {TransactionRequest.Transfer(alice, bob, 30).Fingerprint()}", lines[11]);
    }

    [Fact]
    public async Task Inspect_with_json_shows_the_abort_reason_and_every_vote()
    {
        var poor = await FundedAccountAsync(10);
        var other = Unique("acct");
        var op = Unique("t");
        (await Cli("transfer", "--from", poor, "--to", other, "--amount", "30", "--op-id", op)).Exits(2);
        await WaitCompletedAsync(op);

        var run = await Cli("--json", "inspect", op);

        run.Exits(0);
        var json = JsonNode.Parse(run.Stdout)!;
        Assert.Equal(op, (string?)json["operationId"]);
        Assert.Equal("Completed", (string?)json["phase"]);
        Assert.Equal("aborted", (string?)json["status"]);
        Assert.Equal("abort", (string?)json["decision"]);
        Assert.Equal(AbortCodes.InsufficientFunds, (string?)json["reason"]!["code"]);
        Assert.Equal($"no (insufficient-funds: ledger/{poor} has 10 available, needs 30)", (string?)json["participants"]![0]!["vote"]);
        Assert.Equal("yes", (string?)json["participants"]![1]!["vote"]);
        Assert.Equal(1, (long?)json["epoch"]);
        Assert.NotNull(json["createdAt"]);
        Assert.NotNull(json["decidedAt"]);
        Assert.NotNull(json["completedAt"]);
    }

    [Fact]
    public async Task Inspect_of_an_unknown_id_says_so_and_exits_0()
    {
        var op = Unique("never");
        var run = await Cli("inspect", op);
        run.Exits(0);
        Assert.Equal($"{op}: unknown (no coordinator record for this operation id)", run.Out);
    }

    [Fact]
    public async Task Participant_shows_value_prepared_records_with_age_and_ended_count_and_the_trail_on_request()
    {
        var alice = await FundedAccountAsync(100);
        var bob = Unique("acct");
        var op = Unique("held");
        // Held after the commit decision, before phase 2: both participants keep their prepared records.
        var stall = fixture.Stalls.Arm(op, FaultPoint.DecisionWritten);
        var execute = fixture.Transactions.ExecuteAsync(op, TransactionRequest.Transfer(alice, bob, 30).Dated());
        await stall.Reached.WaitAsync(TimeSpan.FromSeconds(30));

        var held = await Cli("participant", "ledger", alice);

        held.Exits(0);
        var lines = held.Out.Split('\n');
        Assert.Equal($"ledger/{alice}: balance=100 held=30 incoming=0", lines[0]);
        Assert.Equal("prepared: 1", lines[1]);
        Assert.Matches($@"^  {op}  epoch 1  debit 30  age \d+s  \(since 20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d\dZ\)$", lines[2]);
        Assert.Equal("ended: 1 remembered (--trail lists them)", lines[3]);

        stall.Release();
        Assert.Equal(TransactionStatus.Committed, (await execute).Status);
        await WaitCompletedAsync(op);

        var trail = await Cli("participant", "ledger", alice, "--trail");
        trail.Exits(0);
        lines = trail.Out.Split('\n');
        Assert.Equal($"ledger/{alice}: balance=70 held=0 incoming=0", lines[0]);
        Assert.Equal("prepared: 0", lines[1]);
        Assert.Equal("ended: 2 remembered", lines[2]);
        Assert.Matches(@"^  fund-[\w-]+  committed  credit 100  20\d\d-", lines[3]);
        Assert.Matches($@"^  {op}  committed  debit 30    20\d\d-", lines[4]);

        var json = JsonNode.Parse((await Cli("--json", "participant", "ledger", alice, "--trail")).Stdout)!;
        Assert.Equal("balance=70 held=0 incoming=0", (string?)json["value"]);
        Assert.Equal(2, (int?)json["endedCount"]);
        Assert.Equal(op, (string?)json["ended"]![1]!["operationId"]);
        Assert.Equal("committed", (string?)json["ended"]![1]!["outcome"]);
    }

    [Fact]
    public async Task In_doubt_lists_unfinished_transactions_oldest_first_with_age_and_phase()
    {
        var alice = await FundedAccountAsync(100);
        var bob = await FundedAccountAsync(100);
        var undecided = Unique("doubt-a");
        var decided = Unique("doubt-b");
        var first = fixture.Stalls.Arm(undecided, FaultPoint.CoordinatorRecordWritten);
        var second = fixture.Stalls.Arm(decided, FaultPoint.DecisionWritten);
        // Started in this order: the second only once the first is stalled with its record written.
        var undecidedRun = fixture.Transactions.ExecuteAsync(undecided, TransactionRequest.Transfer(alice, Unique("acct"), 5).Dated());
        await first.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        var decidedRun = fixture.Transactions.ExecuteAsync(decided, TransactionRequest.Transfer(bob, Unique("acct"), 5).Dated());
        await second.Reached.WaitAsync(TimeSpan.FromSeconds(30));

        var run = await Cli("in-doubt");

        run.Exits(0);
        var lines = run.Out.Split('\n');
        // Other tests of this collection may have left their own; these two are listed in start order.
        Assert.Matches(@"^\d+ unfinished transactions? in 8 shards, oldest first:$", lines[0]);
        var a = Array.FindIndex(lines, l => l.Contains(undecided, StringComparison.Ordinal));
        var b = Array.FindIndex(lines, l => l.Contains(decided, StringComparison.Ordinal));
        Assert.True(a > 0 && b > a, run.ToString());
        Assert.Matches($@"^  {undecided} +age \d+s +Preparing +started 20", lines[a]);
        Assert.Matches($@"^  {decided} +age \d+s +Committing +started 20", lines[b]);

        var json = JsonNode.Parse((await Cli("--json", "in-doubt", "--shards", "8")).Stdout)!;
        Assert.Equal(8, (int?)json["shards"]);
        var listed = json["operations"]!.AsArray().Select(o => (string?)o!["operationId"]).ToList();
        Assert.True(listed.IndexOf(undecided) >= 0 && listed.IndexOf(decided) > listed.IndexOf(undecided), run.ToString());

        var registry = (await Cli("in-doubt", "--registry-only")).Exits(0);
        var registryLines = registry.Out.Split('\n');
        Assert.Matches(@"^\d+ unfinished transactions? in 8 shards, oldest first \(registry only: not inspected, phase unknown\):$", registryLines[0]);
        Assert.Contains(registryLines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^  {undecided} +age \d+s  started 20"));

        first.Release();
        second.Release();
        await Task.WhenAll(undecidedRun, decidedRun);
        await WaitCompletedAsync(undecided);
        await WaitCompletedAsync(decided);
        var after = await Cli("in-doubt");
        Assert.DoesNotContain(undecided, after.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(decided, after.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_abort_of_an_undecided_transaction_aborts_it_and_releases_the_holds()
    {
        var alice = await FundedAccountAsync(100);
        var bob = Unique("acct");
        var op = Unique("stuck");
        var stall = fixture.Stalls.Arm(op, FaultPoint.CoordinatorRecordWritten);
        var execute = fixture.Transactions.ExecuteAsync(op, TransactionRequest.Transfer(alice, bob, 30).Dated());
        await stall.Reached.WaitAsync(TimeSpan.FromSeconds(30));

        var run = await Cli("resolve", op, "--abort");

        run.Exits(0);
        Assert.Equal($"{op}: aborted (operator-abort: aborted by an operator before it was decided)", run.Out);
        Assert.Equal("", run.Stderr);
        var outcome = await execute;
        Assert.Equal(AbortCodes.OperatorAbort, outcome.Reason?.Code);
        await WaitCompletedAsync(op);
        Assert.Equal(100, await fixture.Transactions.Grains.GetBalanceAsync(alice));
        Assert.Contains("held=0", (await Cli("participant", "ledger", alice)).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_abort_is_refused_once_the_decision_is_durable_and_for_an_unknown_id()
    {
        var alice = await FundedAccountAsync(100);
        var op = Unique("decided");
        var stall = fixture.Stalls.Arm(op, FaultPoint.DecisionWritten);
        var execute = fixture.Transactions.ExecuteAsync(op, TransactionRequest.Transfer(alice, Unique("acct"), 30).Dated());
        await stall.Reached.WaitAsync(TimeSpan.FromSeconds(30));

        // Decided commit, phase 2 not started: the commit stands.
        var refused = await Cli("resolve", op, "--abort");
        stall.Release();

        refused.Exits(1);
        Assert.Equal("", refused.Stdout);
        Assert.Equal($"refused: the decision of '{op}' is durable (committed); it can no longer be aborted", refused.Err);
        Assert.Equal(TransactionStatus.Committed, (await execute).Status);

        var unknown = Unique("never");
        var none = await Cli("resolve", unknown, "--abort");
        none.Exits(1);
        Assert.Equal($"refused: operation id '{unknown}' has no record here; there is nothing to abort", none.Err);

        var json = await Cli("--json", "resolve", unknown, "--abort");
        json.Exits(1);
        Assert.Equal("operator-action-refused", (string?)JsonNode.Parse(json.Stdout)!["error"]!["type"]);
    }

    private Task WaitCompletedAsync(string operationId) => fixture.Transactions.WaitCompletedAsync(operationId);
}
