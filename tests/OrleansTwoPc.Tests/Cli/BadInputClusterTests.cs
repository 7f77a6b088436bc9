using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansTwoPc.Client;
using OrleansTwoPc.Faults;
using OrleansTwoPc.Tests.Cluster;

namespace OrleansTwoPc.Tests.Cli;

/// <summary>
/// The bad inputs only the cluster can judge (docs/bad-input.md), through the CLI in-process against a silo over TCP,
/// and the library's view of each: unknown kind or action, too many participants, a reused id, back-pressure, an
/// outcome still unknown at the deadline, an expired or future-dated request, refused operator actions.
/// </summary>
[Collection(CliClusterCollection.Name)]
public sealed class BadInputClusterTests(CliClusterFixture fixture) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // Time-ordered: the CLI runs an --op-id that carries its own creation time without --created-at.
    private static string Unique(string prefix) => OperationIds.New(prefix);

    private static string Plain(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private Task<CliResult> Cli(params string[] args) => CliRunner.AtAsync(fixture.Gateway, args);

    private async Task<string> RequestFileAsync(params object[] operations)
    {
        var path = Path.Combine(_folder.Path, $"{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new { operations }));
        return path;
    }

    private async Task<string> FundedAccountAsync(long amount)
    {
        var account = Unique("acct");
        await fixture.Transactions.ExecuteAsync(Unique("fund"), TransactionRequest.Deposit(account, amount).Dated());
        return account;
    }

    private const string IdRule = "must be 1 to 128 characters of A-Z a-z 0-9 . _ : -";

    private static ParticipantOperation Credit(string key, long amount = 5) => new(ParticipantKinds.Ledger, key, LedgerActions.Credit, amount);

    /// <summary>What a library caller gets for each ill-formed request: the field and the rule, word for word.</summary>
    public static TheoryData<string, string, TransactionRequest, string, string> LibraryCases() => new()
    {
        { "empty operation id", "", TransactionRequest.Deposit("a", 5).Dated(), "operationId", $"{IdRule}; got an empty string" },
        { "oversized operation id", new string('x', 129), TransactionRequest.Deposit("a", 5).Dated(), "operationId", $"{IdRule}; got 129 characters" },
        { "ill-formed operation id", "has space", TransactionRequest.Deposit("a", 5).Dated(), "operationId", $"{IdRule}; got 'has space'" },
        { "empty key", "lib-1", new TransactionRequest(Credit("")).Dated(), "operations[0].key", $"{IdRule}; got an empty string" },
        { "ill-formed key", "lib-2", new TransactionRequest(Credit("a b")).Dated(), "operations[0].key", $"{IdRule}; got 'a b'" },
        { "oversized key", "lib-3", new TransactionRequest(Credit(new string('k', 129))).Dated(), "operations[0].key", $"{IdRule}; got 129 characters" },
        { "empty kind", "lib-4", new TransactionRequest(new ParticipantOperation("", "a", "credit", 5)).Dated(), "operations[0].kind", "must not be empty" },
        { "unknown kind", "lib-5", new TransactionRequest(new ParticipantOperation("wallet", "a", "credit", 5)).Dated(), "operations[0].kind", "unknown participant kind 'wallet'; known kinds: inventory, ledger" },
        { "empty action", "lib-6", new TransactionRequest(new ParticipantOperation("ledger", "a", "", 5)).Dated(), "operations[0].action", "must not be empty" },
        { "unknown action", "lib-7", new TransactionRequest(new ParticipantOperation("ledger", "a", "steal", 5)).Dated(), "operations[0].action", "'steal' is not an action of kind 'ledger'; allowed: credit, debit" },
        { "zero amount", "lib-8", new TransactionRequest(Credit("a", 0)).Dated(), "operations[0].amount", "must be between 1 and 1000000000000000; got 0" },
        { "negative amount", "lib-9", new TransactionRequest(Credit("a", -5)).Dated(), "operations[0].amount", "must be between 1 and 1000000000000000; got -5" },
        { "overflowing amount", "lib-10", new TransactionRequest(Credit("a", long.MaxValue)).Dated(), "operations[0].amount", "must be between 1 and 1000000000000000; got 9223372036854775807" },
        { "the same participant twice", "lib-11", new TransactionRequest(Credit("a"), new ParticipantOperation("ledger", "a", "debit", 5)).Dated(), "operations[1]", "participant ledger/a appears more than once; combine its operations into one" },
        { "too many participants", "lib-12", new TransactionRequest(Enumerable.Range(0, 17).Select(i => Credit($"p{i}")).ToArray()).Dated(), "operations", "names 17 participants; at most 16 are allowed" },
        { "no participants", "lib-13", new TransactionRequest([]).Dated(), "operations", "must name at least one participant" },
        { "null operation", "lib-14", new TransactionRequest([null!]).Dated(), "operations[0]", "must not be null" },
    };

    [Theory]
    [MemberData(nameof(LibraryCases))]
    public async Task Library_callers_get_InvalidRequestException_with_the_field_and_rule(string _, string operationId,
        TransactionRequest request, string field, string rule)
    {
        // Checked by the client where it can (ids, shapes, amounts), by the coordinator for what only the cluster knows
        // (kinds, actions, the participant limit); the caller sees the same exception either way.
        var id = operationId.StartsWith("lib-", StringComparison.Ordinal) ? Unique(operationId) : operationId;
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => fixture.Transactions.ExecuteAsync(id, request));
        Assert.Equal((field, rule, $"{field}: {rule}"), (error.Field, error.Rule, error.Message));
    }

    [Fact]
    public async Task An_unknown_kind_is_refused_by_the_coordinator_naming_the_known_kinds()
    {
        var op = Unique("k");
        var file = await RequestFileAsync(new { kind = "wallet", key = "a", action = "credit", amount = 5 });

        var run = (await Cli("submit", "--op-id", op, "--file", file)).Exits(1);

        Assert.Equal("invalid input: operations[0].kind: unknown participant kind 'wallet'; known kinds: inventory, ledger", run.Err);
        Assert.Equal(TransactionStatus.Unknown, (await fixture.Transactions.GetStatusAsync(op)).Status);
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => fixture.Transactions.ExecuteAsync(op,
            new TransactionRequest(new ParticipantOperation("wallet", "a", "credit", 5)).Dated()));
        Assert.Equal(("operations[0].kind", "unknown participant kind 'wallet'; known kinds: inventory, ledger"), (error.Field, error.Rule));
    }

    [Fact]
    public async Task An_unknown_action_is_refused_by_the_coordinator_naming_the_allowed_ones()
    {
        var file = await RequestFileAsync(new { kind = "ledger", key = "a", action = "steal", amount = 5 });

        var run = (await Cli("submit", "--op-id", Unique("a"), "--file", file)).Exits(1);

        Assert.Equal("invalid input: operations[0].action: 'steal' is not an action of kind 'ledger'; allowed: credit, debit", run.Err);
        var json = (await Cli("--json", "submit", "--op-id", Unique("a"), "--file", file)).Exits(1);
        Assert.Equal("""{"error":{"type":"invalid-request","field":"operations[0].action","message":"'steal' is not an action of kind 'ledger'; allowed: credit, debit"}}""", json.Out);
    }

    [Fact]
    public async Task More_participants_than_the_limit_are_refused_and_the_limit_itself_runs()
    {
        var prefix = Unique("p");
        var seventeen = await RequestFileAsync(Enumerable.Range(0, 17).Select(i => (object)new { kind = "ledger", key = $"{prefix}-{i}", action = "credit", amount = 1 }).ToArray());
        var sixteen = await RequestFileAsync(Enumerable.Range(0, 16).Select(i => (object)new { kind = "ledger", key = $"{prefix}-{i}", action = "credit", amount = 1 }).ToArray());

        var refused = (await Cli("submit", "--op-id", Unique("many"), "--file", seventeen)).Exits(1);
        Assert.Equal("invalid input: operations: names 17 participants; at most 16 are allowed", refused.Err);

        var op = Unique("sixteen");
        Assert.Equal($"{op}: committed", (await Cli("submit", "--op-id", op, "--file", sixteen)).Exits(0).Out);
    }

    [Fact]
    public async Task An_operation_id_reused_with_another_request_is_a_conflict_and_changes_nothing()
    {
        var alice = await FundedAccountAsync(100);
        var bob = Unique("acct");
        var op = Unique("t");
        (await Cli("transfer", "--from", alice, "--to", bob, "--amount", "30", "--op-id", op)).Exits(0);
        await fixture.Transactions.WaitCompletedAsync(op); // the CLI is answered before phase 2 reaches alice

        var run = (await Cli("transfer", "--from", alice, "--to", bob, "--amount", "31", "--op-id", op)).Exits(1);

        Assert.Equal($"operation id '{op}' was already used with a different request; nothing was changed", run.Err);
        Assert.Equal("", run.Stdout);
        var json = (await Cli("--json", "transfer", "--from", alice, "--to", bob, "--amount", "31", "--op-id", op)).Exits(1);
        Assert.Equal($$$"""{"error":{"type":"operation-conflict","operationId":"{{{op}}}","message":"operation id '{{{op}}}' was already used with a different request; nothing was changed"}}""", json.Out);
        Assert.Equal(70, await fixture.Transactions.Grains.GetBalanceAsync(alice));
        var error = await Assert.ThrowsAsync<OperationConflictException>(() =>
            fixture.Transactions.ExecuteAsync(op, TransactionRequest.Transfer(alice, bob, 31).Dated()));
        Assert.Equal(op, error.OperationId);
    }

    [Fact]
    public async Task A_busy_participant_votes_no_and_the_transaction_aborts_with_participant_busy_exit_2()
    {
        // This silo lets a participant hold one prepared record; the first transfer is held with its record in place.
        var alice = await FundedAccountAsync(100);
        var held = Unique("held");
        var stall = fixture.Stalls.Arm(held, FaultPoint.DecisionWritten);
        var first = fixture.Transactions.ExecuteAsync(held, TransactionRequest.Transfer(alice, Unique("acct"), 10).Dated());
        await stall.Reached.WaitAsync(TimeSpan.FromSeconds(30));

        var op = Unique("busy");
        var run = await Cli("transfer", "--from", alice, "--to", Unique("acct"), "--amount", "5", "--op-id", op);
        stall.Release();

        run.Exits(2);
        Assert.Equal($"{op}: aborted (participant-busy: ledger/{alice} already holds 1 prepared operations (limit 1))", run.Out);
        Assert.Equal(TransactionStatus.Committed, (await first).Status);
        var json = JsonNode.Parse((await Cli("--json", "status", op)).Exits(2).Stdout)!;
        Assert.Equal(AbortCodes.ParticipantBusy, (string?)json["reason"]!["code"]);
    }

    [Fact]
    public async Task An_outcome_still_unknown_at_the_deadline_is_an_error_naming_the_id_and_the_last_error()
    {
        var alice = await FundedAccountAsync(100);
        var bob = Unique("acct");
        var op = Unique("slow");
        // Held undecided after its record is written: no answer comes within the CLI's 1 s deadline.
        var stall = fixture.Stalls.Arm(op, FaultPoint.CoordinatorRecordWritten);
        CliResult run;
        Environment.SetEnvironmentVariable("ORLEANSTWOPC_TwoPc__Client__Deadline", "00:00:01");
        try
        {
            run = await Cli("transfer", "--from", alice, "--to", bob, "--amount", "5", "--op-id", op);
        }
        finally
        {
            Environment.SetEnvironmentVariable("ORLEANSTWOPC_TwoPc__Client__Deadline", null);
            stall.Release();
        }

        run.Exits(1);
        Assert.Equal($"outcome of operation id '{op}' is unknown: the deadline passed; retry with the same id or query its status (last error: The operation has timed out.)", run.Err);

        // The advice works: the same command again returns the first (and only) outcome.
        var retry = (await Cli("transfer", "--from", alice, "--to", bob, "--amount", "5", "--op-id", op)).Exits(0);
        Assert.StartsWith($"{op}: committed", retry.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_library_reports_an_unknown_outcome_with_OutcomeUnknownException()
    {
        var alice = await FundedAccountAsync(100);
        var op = Unique("slow");
        var stall = fixture.Stalls.Arm(op, FaultPoint.CoordinatorRecordWritten);
        var client = new TransactionClient(fixture.Client, new TransactionClientOptions { Deadline = TimeSpan.FromSeconds(1) });
        try
        {
            var error = await Assert.ThrowsAsync<OutcomeUnknownException>(() => client.ExecuteAsync(op, TransactionRequest.Transfer(alice, Unique("acct"), 5).Dated()));
            Assert.Equal(op, error.OperationId);
            Assert.IsType<TimeoutException>(error.InnerException);
        }
        finally
        {
            stall.Release();
        }
    }

    [Fact]
    public async Task A_request_older_than_retention_is_refused_with_OperationExpiredException()
    {
        // A client whose clock says eight days ago: the request it dates is older than the 7-day retention.
        var past = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromDays(8));
        var client = new TransactionClient(fixture.Client, time: past);
        var op = Plain("old"); // an id with no time of its own: the request's CreatedAt dates it

        var error = await Assert.ThrowsAsync<OperationExpiredException>(() => client.ExecuteAsync(op, TransactionRequest.Deposit(Unique("acct"), 5).Dated(past.GetUtcNow())));

        Assert.Equal(op, error.OperationId);
        Assert.Matches($@"^operation id '{op}' was created at 20\d\d-\d\d-\d\dT[\d:.]+\+00:00, longer ago than the retention period \(7\.00:00:00\); refused, nothing changed$", error.Message);
        Assert.Equal(TransactionStatus.Unknown, (await fixture.Transactions.GetStatusAsync(op)).Status);

        // What the CLI prints for it (its requests are dated by its own clock, so only a clock far behind gets here).
        var (exit, stdout, stderr) = Render(error, json: false);
        Assert.Equal((1, "", error.Message), (exit, stdout, stderr));
        (exit, stdout, _) = Render(error, json: true);
        Assert.Equal("operation-expired", (string?)JsonNode.Parse(stdout)!["error"]!["type"]);
        Assert.Equal(1, exit);
    }

    [Fact]
    public async Task A_request_dated_too_far_in_the_future_is_invalid()
    {
        var ahead = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromHours(1));
        var client = new TransactionClient(fixture.Client, time: ahead);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => client.ExecuteAsync(Plain("ahead"), TransactionRequest.Deposit(Unique("acct"), 5).Dated(ahead.GetUtcNow())));

        Assert.Equal("createdAt", error.Field);
        Assert.Matches(@"^is 3[56]\d\d s in the future; client and silo clocks may differ by at most 00:05:00$", error.Rule);
        var (exit, _, stderr) = Render(error, json: false);
        Assert.Equal((1, $"invalid input: createdAt: {error.Rule}"), (exit, stderr));
    }

    [Fact]
    public async Task The_library_refuses_operator_actions_and_bad_admin_arguments()
    {
        var unknown = Unique("never");
        var refused = await Assert.ThrowsAsync<OperatorActionRefusedException>(() => fixture.Transactions.AbortByOperatorAsync(unknown));
        Assert.Equal($"operation id '{unknown}' has no record here; there is nothing to abort", refused.Message);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => fixture.Transactions.InDoubtAsync(0));
        var key = await Assert.ThrowsAsync<InvalidRequestException>(() => fixture.Transactions.InspectParticipantAsync("ledger", "a b"));
        Assert.Equal("key", key.Field);
        var id = await Assert.ThrowsAsync<InvalidRequestException>(() => fixture.Transactions.InspectAsync(""));
        Assert.Equal("operationId", id.Field);

        // An unknown kind reaches the grain runtime; the library passes its error on, the CLI translates it.
        var noSuchKind = await Assert.ThrowsAsync<Orleans.Runtime.OrleansException>(() => fixture.Transactions.InspectParticipantAsync("wallet", "a"));
        Assert.StartsWith("No active nodes are compatible with grain wallet", noSuchKind.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidCastException>(() => fixture.Transactions.InspectParticipantAsync("twopc-coordinator", "a"));
        var run = (await Cli("participant", "wallet", "a")).Exits(1);
        Assert.Equal("invalid input: kind: 'wallet' is not a participant kind this cluster hosts (the shipped kinds are ledger and inventory)", run.Err);
        var notParticipant = (await Cli("participant", "twopc-coordinator", "a")).Exits(1);
        Assert.Equal("invalid input: kind: 'twopc-coordinator' is not a participant kind this cluster hosts (the shipped kinds are ledger and inventory)", notParticipant.Err);
    }

    [Fact]
    public async Task A_bad_configured_shard_count_is_a_configuration_error()
    {
        // Environment variables are the CLI's documented configuration; this collection runs alone, so setting one is safe.
        Environment.SetEnvironmentVariable("ORLEANSTWOPC_TwoPc__RecoveryShards", "0");
        CliResult run;
        try
        {
            run = await Cli("in-doubt");
        }
        finally
        {
            Environment.SetEnvironmentVariable("ORLEANSTWOPC_TwoPc__RecoveryShards", null);
        }

        run.Exits(1);
        Assert.Equal("invalid configuration: TwoPc:RecoveryShards must be a whole number from 1 to 1024; got '0'", run.Err);
    }

    [Fact]
    public void An_operator_abort_that_lost_to_a_one_phase_commit_exits_1()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var committed = new TransactionOutcome { OperationId = "d9", Status = TransactionStatus.Committed, DecidedAt = DateTimeOffset.UtcNow };

        var exit = new OrleansTwoPc.Cli.Output(false, stdout, stderr).Resolved(committed);

        Assert.Equal(1, exit);
        Assert.Equal("d9: committed", stdout.ToString().TrimEnd());
        Assert.Equal("not aborted: the transaction committed before the abort took effect", stderr.ToString().TrimEnd());
    }

    private static (int Exit, string Stdout, string Stderr) Render(Exception error, bool json)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = new OrleansTwoPc.Cli.Output(json, stdout, stderr).Fail(error);
        return (exit, stdout.ToString().TrimEnd(), stderr.ToString().TrimEnd());
    }
}
