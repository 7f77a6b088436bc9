using System.Diagnostics;
using System.Text.Json.Nodes;
using OrleansTwoPc.Tests.Cluster;

namespace OrleansTwoPc.Tests.Cli;

/// <summary>
/// Every bad input the CLI refuses before it touches the network (docs/bad-input.md, CLI side), run through the whole
/// command pipeline in-process: the exact message on stderr, nothing on stdout, exit 1. None of these needs a cluster:
/// the gateway in <see cref="Nowhere"/> has nothing listening, so a case that wrongly got as far as connecting would
/// fail with "cannot reach the cluster" instead.
/// </summary>
public sealed class BadInputCliTests : IDisposable
{
    private const string IdRule = "must be 1 to 128 characters of A-Z a-z 0-9 . _ : -";
    private const string AmountRule = "must be a whole number between 1 and 1000000000000000";
    private const string Shape = """{"operations":[{"kind":"...","key":"...","action":"...","amount":1}, ...]}""";

    private static readonly string Long = new('x', 129);

    private readonly TempFolder _folder = new();

    private static string Nowhere { get; } = $"127.0.0.1:{CliClusterFixture.FreePort()}";

    public void Dispose() => _folder.Dispose();

    // Cases that name their own gateway keep it; the others get one where nothing listens.
    private static Task<CliResult> Cli(params string[] args) => args.Contains("--gateway")
        ? CliRunner.RunAsync(["--connect-timeout", "1", .. args])
        : CliRunner.RunAsync(["--gateway", Nowhere, "--connect-timeout", "1", .. args]);

    private static async Task AssertRefused(string expectedError, params string[] args)
    {
        var run = (await Cli(args)).Exits(1);
        Assert.Equal(expectedError, run.Err);
        Assert.Equal("", run.Stdout);
    }

    public static TheoryData<string, string[], string> CommandLineCases() => new()
    {
        // Operation ids.
        { "empty operation id", ["deposit", "--account", "a", "--amount", "1", "--op-id", ""], $"invalid input: operationId: {IdRule}; got an empty string" },
        { "oversized operation id", ["deposit", "--account", "a", "--amount", "1", "--op-id", Long], $"invalid input: operationId: {IdRule}; got 129 characters" },
        { "operation id with a space", ["deposit", "--account", "a", "--amount", "1", "--op-id", "has space"], $"invalid input: operationId: {IdRule}; got 'has space'" },
        { "operation id with a slash", ["transfer", "--from", "a", "--to", "b", "--amount", "1", "--op-id", "slash/inside"], $"invalid input: operationId: {IdRule}; got 'slash/inside'" },
        { "operation id with non-ASCII", ["reserve", "--item", "w", "--quantity", "1", "--op-id", "ünicode"], $"invalid input: operationId: {IdRule}; got 'ünicode'" },
        { "status of an ill-formed id", ["status", "a b"], $"invalid input: operationId: {IdRule}; got 'a b'" },
        { "an id that carries no time, without --created-at", ["deposit", "--account", "a", "--amount", "1", "--op-id", "d1"],
            "invalid input: created-at: required with an --op-id that carries no time ('d1'): give the time the id was first used, e.g. "
            + "2026-12-04T18:00:00Z, the same on every retry; or leave out --op-id to get a time-ordered id" },
        { "--created-at that is not a time", ["transfer", "--from", "a", "--to", "b", "--amount", "1", "--op-id", "t1", "--created-at", "yesterday"],
            "invalid input: created-at: must be a time such as 2026-12-04T18:00:00Z; got 'yesterday'" },

        // Participant keys, named by the option that carried them.
        { "empty account", ["deposit", "--account", "", "--amount", "1"], $"invalid input: account: {IdRule}; got an empty string" },
        { "account with a space", ["deposit", "--account", "a b", "--amount", "1"], $"invalid input: account: {IdRule}; got 'a b'" },
        { "oversized account", ["deposit", "--account", Long, "--amount", "1"], $"invalid input: account: {IdRule}; got 129 characters" },
        { "ill-formed --from", ["transfer", "--from", "", "--to", "b", "--amount", "1"], $"invalid input: from: {IdRule}; got an empty string" },
        { "ill-formed --to", ["transfer", "--from", "a", "--to", "b/c", "--amount", "1"], $"invalid input: to: {IdRule}; got 'b/c'" },
        { "ill-formed item", ["reserve", "--item", "w idget", "--quantity", "1"], $"invalid input: item: {IdRule}; got 'w idget'" },
        { "ill-formed balance account", ["balance", "a b"], $"invalid input: account: {IdRule}; got 'a b'" },
        { "ill-formed stock item", ["stock", ""], $"invalid input: item: {IdRule}; got an empty string" },
        { "the same account twice", ["transfer", "--from", "alice", "--to", "alice", "--amount", "5"], "invalid input: to: must be another account than from; got 'alice' for both" },

        // Amounts and quantities: read as text, so every malformed number gets the same rule.
        { "zero amount", ["deposit", "--account", "a", "--amount", "0"], $"invalid input: amount: {AmountRule}; got '0'" },
        { "negative amount", ["deposit", "--account", "a", "--amount", "-5"], $"invalid input: amount: {AmountRule}; got '-5'" },
        { "negative amount after =", ["transfer", "--from", "a", "--to", "b", "--amount=-5"], $"invalid input: amount: {AmountRule}; got '-5'" },
        { "non-numeric amount", ["deposit", "--account", "a", "--amount", "abc"], $"invalid input: amount: {AmountRule}; got 'abc'" },
        { "fractional amount", ["deposit", "--account", "a", "--amount", "1.5"], $"invalid input: amount: {AmountRule}; got '1.5'" },
        { "amount with a separator", ["deposit", "--account", "a", "--amount", "1,000"], $"invalid input: amount: {AmountRule}; got '1,000'" },
        { "amount with a sign", ["deposit", "--account", "a", "--amount", "+5"], $"invalid input: amount: {AmountRule}; got '+5'" },
        { "amount with a space", ["deposit", "--account", "a", "--amount", " 5"], $"invalid input: amount: {AmountRule}; got ' 5'" },
        { "amount above the maximum", ["deposit", "--account", "a", "--amount", "1000000000000001"], $"invalid input: amount: {AmountRule}; got '1000000000000001'" },
        { "amount overflowing a long", ["deposit", "--account", "a", "--amount", "99999999999999999999"], $"invalid input: amount: {AmountRule}; got '99999999999999999999'" },
        { "zero quantity", ["reserve", "--item", "w", "--quantity", "0"], $"invalid input: quantity: {AmountRule}; got '0'" },
        { "fractional quantity", ["restock", "--item", "w", "--quantity", "2.5"], $"invalid input: quantity: {AmountRule}; got '2.5'" },

        // Operator commands.
        { "inspect of an empty id", ["inspect", ""], $"invalid input: operationId: {IdRule}; got an empty string" },
        { "participant with an empty kind", ["participant", "", "a"], $"invalid input: kind: {IdRule}; got an empty string" },
        { "participant with an ill-formed key", ["participant", "ledger", "a b"], $"invalid input: key: {IdRule}; got 'a b'" },
        { "in-doubt with zero shards", ["in-doubt", "--shards", "0"], "invalid input: shards: must be a whole number between 1 and 1024; got '0'" },
        { "in-doubt with too many shards", ["in-doubt", "--shards", "1025"], "invalid input: shards: must be a whole number between 1 and 1024; got '1025'" },
        { "in-doubt with a non-numeric shard count", ["in-doubt", "--shards", "abc"], "invalid input: shards: must be a whole number between 1 and 1024; got 'abc'" },
        { "resolve without --abort", ["resolve", "t1"], "resolve needs --abort: the only supported resolution is to abort a transaction that has no durable decision yet (resolve t1 --abort); a durable decision, commit or abort, cannot be changed" },
        { "resolve of an ill-formed id", ["resolve", "bad id", "--abort"], $"invalid input: operationId: {IdRule}; got 'bad id'" },

        // Where the cluster is.
        { "gateway without a port", ["--gateway", "nope", "status", "t1"], "invalid input: gateway: must be host:port with a port from 1 to 65535, e.g. localhost:30000; got 'nope'" },
        { "gateway with port 0", ["--gateway", "localhost:0", "status", "t1"], "invalid input: gateway: must be host:port with a port from 1 to 65535, e.g. localhost:30000; got 'localhost:0'" },
    };

    [Theory]
    [MemberData(nameof(CommandLineCases))]
    public Task Bad_command_line_input_is_refused_before_any_network_call(string _, string[] args, string expectedError) =>
        AssertRefused(expectedError, args);

    public static TheoryData<string, string, string> RequestFileCases() => new()
    {
        // {0} is the file's path.
        { "empty file", "", "request file '{0}' is empty; expected " + Shape },
        { "blank file", "  \n", "request file '{0}' is empty; expected " + Shape },
        { "malformed JSON", """{"operations":[""", "request file '{0}' is not a valid request: malformed JSON at line 1, $.operations[0]" },
        { "not JSON at all", "operations: 1", "request file '{0}' is not a valid request: malformed JSON at line 1, $" },
        { "JSON null", "null", "request file '{0}' holds null; expected " + Shape },
        { "unknown property", """{"operations":[{"kind":"ledger","key":"a","action":"credit","amount":5,"memo":"x"}]}""", "request file '{0}' is not a valid request: unknown property at line 1, $.operations[0].memo" },
        { "createdAt not a time", """{"operations":[{"kind":"ledger","key":"a","action":"credit","amount":5}],"createdAt":"yesterday"}""", "request file '{0}' is not a valid request: wrong type of value; expected " + Shape + " at line 1, $.createdAt" },
        { "wrong type of value", """{"operations":{"kind":"ledger"}}""", "request file '{0}' is not a valid request: wrong type of value; expected " + Shape + " at line 1, $.operations" },
        { "fractional amount", """{"operations":[{"kind":"ledger","key":"a","action":"credit","amount":1.5}]}""", $"request file '{{0}}' is not a valid request: amount {AmountRule} at line 1, $.operations[0].amount" },
        { "overflowing amount", """{"operations":[{"kind":"ledger","key":"a","action":"credit","amount":99999999999999999999}]}""", $"request file '{{0}}' is not a valid request: amount {AmountRule} at line 1, $.operations[0].amount" },
        { "amount as a string", """{"operations":[{"kind":"ledger","key":"a","action":"credit","amount":"5"}]}""", $"request file '{{0}}' is not a valid request: amount {AmountRule} at line 1, $.operations[0].amount" },
        { "missing operations", "{}", "invalid input: operations: is missing from the request file" },
        { "no participants", """{"operations":[]}""", "invalid input: operations: must name at least one participant" },
        { "null operation", """{"operations":[null]}""", "invalid input: operations[0]: must be an object, not null" },
        { "missing amount", """{"operations":[{"kind":"ledger","key":"a","action":"credit"}]}""", "invalid input: operations[0].amount: is missing" },
        { "zero amount", """{"operations":[{"kind":"ledger","key":"a","action":"credit","amount":0}]}""", "invalid input: operations[0].amount: must be between 1 and 1000000000000000; got 0" },
        { "negative amount", """{"operations":[{"kind":"ledger","key":"a","action":"credit","amount":-3}]}""", "invalid input: operations[0].amount: must be between 1 and 1000000000000000; got -3" },
        { "amount above the maximum", """{"operations":[{"kind":"ledger","key":"a","action":"credit","amount":1000000000000001}]}""", "invalid input: operations[0].amount: must be between 1 and 1000000000000000; got 1000000000000001" },
        { "missing kind", """{"operations":[{"key":"a","action":"credit","amount":5}]}""", "invalid input: operations[0].kind: must not be empty" },
        { "ill-formed key", """{"operations":[{"kind":"ledger","key":"a b","action":"credit","amount":5}]}""", $"invalid input: operations[0].key: {IdRule}; got 'a b'" },
        { "missing action", """{"operations":[{"kind":"ledger","key":"a","amount":5}]}""", "invalid input: operations[0].action: must not be empty" },
        { "the same participant twice", """{"operations":[{"kind":"ledger","key":"a","action":"credit","amount":5},{"kind":"ledger","key":"a","action":"debit","amount":5}]}""", "invalid input: operations[1]: participant ledger/a appears more than once; combine its operations into one" },
    };

    [Theory]
    [MemberData(nameof(RequestFileCases))]
    public async Task Bad_request_files_are_refused_naming_the_file_and_the_place(string name, string content, string expectedError)
    {
        var path = Path.Combine(_folder.Path, name.Replace(' ', '-') + ".json");
        await File.WriteAllTextAsync(path, content);
        await AssertRefused(expectedError.Replace("{0}", path, StringComparison.Ordinal),
            "submit", "--op-id", "s1", "--file", path);
    }

    [Fact]
    public async Task A_missing_request_file_is_refused()
    {
        var path = Path.Combine(_folder.Path, "nosuchfile.json");
        await AssertRefused($"cannot read request file '{path}': no such file", "submit", "--op-id", "s1", "--file", path);
    }

    [Fact]
    public async Task A_directory_as_request_file_is_refused()
    {
        await AssertRefused($"cannot read request file '{_folder.Path}': it is a directory", "submit", "--op-id", "s1", "--file", _folder.Path);
    }

    [NotRootFact]
    public async Task A_request_file_without_read_permission_is_refused()
    {
        var path = Path.Combine(_folder.Path, "secret.json");
        await File.WriteAllTextAsync(path, """{"operations":[]}""");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.None);
        }

        await AssertRefused($"cannot read request file '{path}': permission denied", "submit", "--op-id", "s1", "--file", path);
    }

    [Fact]
    public async Task A_request_file_path_the_system_cannot_open_is_refused()
    {
        await AssertRefused("cannot read request file 'a\0b': Null character in path. (Parameter 'path')",
            "submit", "--op-id", "s1", "--file", "a\0b");
    }

    [Fact]
    public async Task The_operation_id_is_checked_before_the_request_file_is_read()
    {
        await AssertRefused($"invalid input: operationId: {IdRule}; got 'bad id'", "submit", "--op-id", "bad id", "--file", "nosuchfile.json");
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("NaN")]
    [InlineData("86401")]
    public async Task A_bad_connect_timeout_is_a_usage_error_not_a_crash(string seconds)
    {
        var run = (await CliRunner.RunAsync("--connect-timeout", seconds, "status", "t1")).Exits(1);
        Assert.Equal($"--connect-timeout must be a number of seconds more than 0 and at most 86400; got '{seconds}'.", run.Err.Split('\n')[0]);

        var json = (await CliRunner.RunAsync("--json", "--connect-timeout", seconds, "status", "t1")).Exits(1);
        Assert.Equal($$$"""{"error":{"type":"usage","message":"--connect-timeout must be a number of seconds more than 0 and at most 86400; got '{{{seconds}}}'."}}""", json.Out);
    }

    [Fact]
    public async Task Usage_errors_print_the_parser_message_on_stderr_and_help_on_stdout()
    {
        var missing = (await CliRunner.RunAsync("deposit", "--amount", "5")).Exits(1);
        Assert.Equal("Option '--account' is required.", missing.Err);
        Assert.Contains("Credit a ledger account", missing.Stdout, StringComparison.Ordinal);

        var unknown = (await CliRunner.RunAsync("frobnicate")).Exits(1);
        Assert.Equal("Required command was not provided.\nUnrecognized command or argument 'frobnicate'.", unknown.Err.Trim().ReplaceLineEndings("\n"));

        var json = (await CliRunner.RunAsync("--json", "deposit", "--amount", "5")).Exits(1);
        Assert.Equal("""{"error":{"type":"usage","message":"Option '--account' is required."}}""", json.Out);
        Assert.Equal("", json.Stderr);
    }

    [Fact]
    public async Task With_json_bad_input_is_one_error_object_on_stdout()
    {
        var run = (await Cli("--json", "deposit", "--account", "a", "--amount", "1.5")).Exits(1);
        Assert.Equal("", run.Stderr);
        var error = JsonNode.Parse(run.Stdout)!["error"]!;
        Assert.Equal("invalid-request", (string?)error["type"]);
        Assert.Equal("amount", (string?)error["field"]);
        Assert.Equal($"{AmountRule}; got '1.5'", (string?)error["message"]);

        var file = (await Cli("--json", "submit", "--op-id", "s1", "--file", Path.Combine(_folder.Path, "none.json"))).Exits(1);
        Assert.Equal("request-file", (string?)JsonNode.Parse(file.Stdout)!["error"]!["type"]);
    }

    [Fact]
    public async Task An_unreachable_cluster_is_reported_within_the_connect_timeout()
    {
        var port = CliClusterFixture.FreePort();
        var clock = Stopwatch.StartNew();
        var run = (await CliRunner.RunAsync("--gateway", $"127.0.0.1:{port}", "--connect-timeout", "1", "deposit", "--account", "a", "--amount", "1", "--op-id", "u1", "--created-at", "2026-12-04T18:00:00Z")).Exits(1);
        clock.Stop();

        // The cause is added when a dial failed within the timeout; a slow start can use up the one second first.
        var message = $"cannot reach the cluster at 127.0.0.1:{port}: no connection within 1 s";
        Assert.True(run.Err == message
            || run.Err == $"{message} (Unable to connect to any of the 1 available gateways: Unable to connect to 127.0.0.1:{port}. Error: ConnectionRefused)",
            run.ToString());
        Assert.Equal("", run.Stdout);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");

        var json = (await CliRunner.RunAsync("--json", "--gateway", $"127.0.0.1:{port}", "--connect-timeout", "1", "status", "u1")).Exits(1);
        var error = JsonNode.Parse(json.Stdout)!["error"]!;
        Assert.Equal("cluster-unreachable", (string?)error["type"]);
        Assert.Equal($"127.0.0.1:{port}", (string?)error["gateway"]);
    }
}

/// <summary>A fact that is skipped when the tests run as root, who may read any file whatever its permissions.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NotRootFactAttribute : FactAttribute
{
    public NotRootFactAttribute()
    {
        if (!OperatingSystem.IsWindows() && Environment.UserName == "root")
        {
            Skip = "runs as root, who can read a file without read permission";
        }
    }
}
