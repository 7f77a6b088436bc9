using System.CommandLine;
using System.Globalization;
using OrleansTwoPc.Client;

namespace OrleansTwoPc.Cli;

/// <summary>The command line: global options and one command per transaction shape, query or operator action.</summary>
internal sealed class Commands
{
    private readonly GlobalOptions _globals = new();

    private Commands()
    {
    }

    /// <summary>
    /// Parses <paramref name="args"/> and runs the command: the whole CLI, as <c>Program</c> runs it. Everything the
    /// command prints goes to <paramref name="configuration"/>'s Output (answers) and Error (messages) writers, so a
    /// test can run it in-process and read both.
    /// </summary>
    /// <returns>The exit code (see <see cref="ExitCodes"/>).</returns>
    public static async Task<int> InvokeAsync(string[] args, InvocationConfiguration configuration,
        CancellationToken cancellationToken = default)
    {
        var commands = new Commands();
        var parse = commands.Build().Parse(args);

        // With --json even a malformed command line answers with one JSON object, so scripts never parse help text.
        if (parse.Errors.Count > 0 && parse.GetValue(commands._globals.Json))
        {
            return Output.ParseErrors(parse.Errors, configuration.Output);
        }

        return await parse.InvokeAsync(configuration, cancellationToken);
    }

    private RootCommand Build() => new(
        "Exactly-once two-phase-commit transactions on an OrleansTwoPc cluster.\n" +
        "Exit codes: 0 committed, query answered or operator action done; 2 aborted (nothing changed; also status of an aborted id); 1 error.\n" +
        "After an error the outcome may be unknown: rerun with the same --op-id, or run `status <id>`.")
    {
        _globals.Json, _globals.Gateway, _globals.ConnectTimeout,
        Deposit(), Transfer(),
        Inventory("reserve", InventoryActions.Reserve, "Take items out of an item's stock."),
        Inventory("restock", InventoryActions.Restock, "Add items to an item's stock, up to its capacity."),
        Submit(), Status(),
        Query("balance", "account", "Show the committed balance of a ledger account.", (c, key) => c.Grains.GetBalanceAsync(key)),
        Query("stock", "item", "Show the committed stock of an inventory item.", (c, key) => c.Grains.GetStockAsync(key)),
        Inspect(), Participant(), InDoubt(), Resolve(),
    };

    // Runs a command's local half, then (input accepted) connects and runs its remote half.
    private void Run(Command command, Func<ParseResult, Output, RemoteCall> prepare) =>
        command.SetAction((r, ct) => Calls.RunAsync(r, _globals, output => prepare(r, output), ct));

    private Command Deposit()
    {
        var account = Text("--account", "Ledger account to credit.");
        var amount = Text("--amount", "Whole amount in the account's unit (e.g. cents).");
        var opId = OperationId(required: false);
        var createdAt = CreatedAt();
        var command = new Command("deposit", "Credit a ledger account (one participant).") { account, amount, opId, createdAt };
        Run(command, (r, output) => Calls.Execute(r.GetValue(opId), r.GetValue(createdAt),
            TransactionRequest.Deposit(Inputs.Key(r.GetRequiredValue(account), "account"), Inputs.Amount(r.GetRequiredValue(amount), "amount")), output));
        return command;
    }

    private Command Transfer()
    {
        var from = Text("--from", "Ledger account to debit.");
        var to = Text("--to", "Ledger account to credit.");
        var amount = Text("--amount", "Whole amount in the accounts' unit (e.g. cents).");
        var opId = OperationId(required: false);
        var createdAt = CreatedAt();
        var command = new Command("transfer", "Move an amount between two ledger accounts, atomically.") { from, to, amount, opId, createdAt };
        Run(command, (r, output) =>
        {
            var (debit, credit) = Inputs.TwoAccounts(r.GetRequiredValue(from), r.GetRequiredValue(to));
            return Calls.Execute(r.GetValue(opId), r.GetValue(createdAt),
                TransactionRequest.Transfer(debit, credit, Inputs.Amount(r.GetRequiredValue(amount), "amount")), output);
        });
        return command;
    }

    private Command Inventory(string name, string action, string description)
    {
        var item = Text("--item", "Inventory item.");
        var quantity = Text("--quantity", "Whole number of items.");
        var opId = OperationId(required: false);
        var createdAt = CreatedAt();
        var command = new Command(name, description) { item, quantity, opId, createdAt };
        Run(command, (r, output) => Calls.Execute(r.GetValue(opId), r.GetValue(createdAt),
            new TransactionRequest(new ParticipantOperation(ParticipantKinds.Inventory, Inputs.Key(r.GetRequiredValue(item), "item"), action,
                Inputs.Amount(r.GetRequiredValue(quantity), "quantity"))), output));
        return command;
    }

    private Command Submit()
    {
        var opId = OperationId(required: true);
        var file = Text("--file", """JSON request: {"operations":[{"kind":"ledger","key":"alice","action":"debit","amount":5}, ...]}""");
        var createdAt = CreatedAt();
        var command = new Command("submit", "Run any set of participant operations as one transaction.") { opId, file, createdAt };
        Run(command, (r, output) =>
        {
            // The id first: it is cheaper to check than the file, and an error names one problem at a time.
            var id = r.GetRequiredValue(opId);
            RequestValidator.ValidateId(id, "operationId");
            return Calls.Execute(id, r.GetValue(createdAt), RequestFile.Read(r.GetRequiredValue(file)), output);
        });
        return command;
    }

    private Command Status()
    {
        var id = OperationIdArgument("The operation id to look up.");
        var command = new Command("status", "Show whether an operation id is unknown, in progress, committed or aborted.") { id };
        Run(command, (r, output) => Calls.Status(r.GetRequiredValue(id), output));
        return command;
    }

    private Command Query(string name, string key, string description, Func<TransactionClient, string, Task<long>> read)
    {
        var argument = new Argument<string>(key) { Description = $"The {key} to look up." };
        var command = new Command(name, description) { argument };
        Run(command, (r, output) => Calls.Level(name, key, r.GetRequiredValue(argument), read, output));
        return command;
    }

    private Command Inspect()
    {
        var id = OperationIdArgument("The operation id whose coordinator record to show.");
        var command = new Command("inspect",
            "Operator: show an operation's coordinator record: phase, status, decision, participants with their " +
            "operations and votes, times, epoch, fingerprint. Activating the coordinator resumes an unfinished record, " +
            "as recovery would. Exit 0 when answered (also for an unknown id), 1 on error.") { id };
        Run(command, (r, output) => Calls.Inspect(r.GetRequiredValue(id), output));
        return command;
    }

    private Command Participant()
    {
        var kind = new Argument<string>("kind") { Description = "The participant kind (grain type), e.g. ledger or inventory." };
        var key = new Argument<string>("key") { Description = "The participant key, e.g. an account name." };
        var trail = new Option<bool>("--trail")
        {
            Description = "Also list the ended (committed or aborted) transactions it remembers; can be long.",
        };
        var command = new Command("participant",
            "Operator: show a participant's committed value, the prepared records it holds (with their age) and how many " +
            "ended transactions it remembers. Exit 0 when answered, 1 on error.") { kind, key, trail };
        Run(command, (r, output) => Calls.Participant(r.GetRequiredValue(kind), r.GetRequiredValue(key), r.GetValue(trail), output));
        return command;
    }

    private Command InDoubt()
    {
        var shards = new Option<string?>("--shards")
        {
            Description = $"Recovery registry shards to read, 0 to N-1; must equal the silos' TwoPc:RecoveryShards " +
                $"[default: TwoPc:RecoveryShards, else {ClientConfiguration.DefaultRecoveryShards}]",
            HelpName = "N",
        };
        var registryOnly = new Option<bool>("--registry-only")
        {
            Description = "List what the registry holds without inspecting (so without waking) any coordinator; no phase is shown.",
        };
        var command = new Command("in-doubt",
            "Operator: list every transaction not completed yet, across all recovery registry shards, oldest first, with " +
            "its age and phase. The phase comes from inspecting each coordinator, which activates it: an activation " +
            "resumes an unfinished record (recovery would do the same at its next sweep), so a listed transaction may " +
            "finish moments later. To abort one before recovery does, list with --registry-only, then resolve it. " +
            "Exit 0 when answered, 1 on error.") { shards, registryOnly };
        Run(command, (r, output) => Calls.InDoubt(
            r.GetValue(shards) is { } text ? Inputs.Shards(text) : ClientConfiguration.RecoveryShards(), r.GetValue(registryOnly), output));
        return command;
    }

    private Command Resolve()
    {
        var id = OperationIdArgument("The operation id of the undecided transaction.");
        var abort = new Option<bool>("--abort")
        {
            Description = "Decide abort (reason operator-abort) if no decision is durable yet. The only resolution offered.",
        };
        var command = new Command("resolve",
            "Operator: end an undecided transaction by deciding abort (--abort). Refused when its decision is already " +
            "durable (commit or abort stands) or the id is unknown. Exit 0 when it ended aborted, 1 when refused or on error.")
        {
            id, abort,
        };
        Run(command, (r, output) => Calls.Resolve(r.GetRequiredValue(id), r.GetValue(abort), output));
        return command;
    }

    private static Argument<string> OperationIdArgument(string description) => new("operation-id") { Description = description };

    // Every value option is read as text, amounts included, so that a malformed number gets the same "invalid input"
    // message and exit code as any other bad input, instead of System.CommandLine's generic parse error.
    private static Option<string> Text(string name, string description) =>
        new(name) { Description = description, Required = true };

    private static Option<string?> OperationId(bool required) => new("--op-id")
    {
        Description = required
            ? "Operation id (1-128 of A-Z a-z 0-9 . _ : -). Reusing it returns the first outcome instead of running again."
            : "Operation id (1-128 of A-Z a-z 0-9 . _ : -) [default: a new time-ordered op-<uuid v7>]. Reuse it to retry safely.",
        Required = required,
        HelpName = "id",
    };

    // An id that does not carry its own time needs it: the same value on every retry, so that a retry after the
    // retention period is refused as expired rather than run again.
    private static Option<string?> CreatedAt() => new("--created-at")
    {
        Description = "When the operation id was first used (ISO 8601, e.g. 2026-12-04T18:00:00Z); the same on every retry. "
            + "Required with an --op-id that is not time-ordered; ids the CLI makes carry their time.",
        HelpName = "time",
    };
}
