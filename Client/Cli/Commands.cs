using System.CommandLine;
using OrleansTwoPc.Client;

namespace OrleansTwoPc.Cli;

/// <summary>The command line: global options and one command per transaction shape or query.</summary>
internal static class Commands
{
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print one JSON object on stdout instead of text (errors included).",
        Recursive = true,
    };

    // No default value here: an absent option falls back to configuration, and only then to localhost:30000.
    public static readonly Option<string?> Gateway = new("--gateway")
    {
        Description = "Cluster gateway as host:port [default: TwoPc:Cluster:GatewayHost/GatewayPort, else localhost:30000]",
        HelpName = "host:port",
        Recursive = true,
    };

    public static readonly Option<double?> ConnectTimeout = CreateConnectTimeout();

    public static RootCommand Build()
    {
        var root = new RootCommand(
            "Exactly-once two-phase-commit transactions on an OrleansTwoPc cluster.\n" +
            "Exit codes: 0 committed or query answered, 2 aborted (nothing changed), 1 error.\n" +
            "After an error the outcome may be unknown: rerun with the same --op-id, or run `status <id>`.")
        {
            Json, Gateway, ConnectTimeout,
            Deposit(), Transfer(),
            Inventory("reserve", InventoryActions.Reserve, "Take items out of an item's stock."),
            Inventory("restock", InventoryActions.Restock, "Add items to an item's stock, up to its capacity."),
            Submit(), Status(),
            Query("balance", "account", "Show the committed balance of a ledger account.", (c, key) => c.GetBalanceAsync(key)),
            Query("stock", "item", "Show the committed stock of an inventory item.", (c, key) => c.GetStockAsync(key)),
        };
        return root;
    }

    private static Command Deposit()
    {
        var account = Text("--account", "Ledger account to credit.");
        var amount = Text("--amount", "Whole amount in the account's unit (e.g. cents).");
        var opId = OperationId(required: false);
        var command = new Command("deposit", "Credit a ledger account (one participant).") { account, amount, opId };
        command.SetAction((r, ct) => Calls.RunAsync(r, output => Calls.Execute(r.GetValue(opId),
            TransactionRequest.Deposit(r.GetRequiredValue(account), Inputs.Amount(r.GetRequiredValue(amount), "amount")), output), ct));
        return command;
    }

    private static Command Transfer()
    {
        var from = Text("--from", "Ledger account to debit.");
        var to = Text("--to", "Ledger account to credit.");
        var amount = Text("--amount", "Whole amount in the accounts' unit (e.g. cents).");
        var opId = OperationId(required: false);
        var command = new Command("transfer", "Move an amount between two ledger accounts, atomically.") { from, to, amount, opId };
        command.SetAction((r, ct) => Calls.RunAsync(r, output => Calls.Execute(r.GetValue(opId),
            TransactionRequest.Transfer(r.GetRequiredValue(from), r.GetRequiredValue(to),
                Inputs.Amount(r.GetRequiredValue(amount), "amount")), output), ct));
        return command;
    }

    private static Command Inventory(string name, string action, string description)
    {
        var item = Text("--item", "Inventory item.");
        var quantity = Text("--quantity", "Whole number of items.");
        var opId = OperationId(required: false);
        var command = new Command(name, description) { item, quantity, opId };
        command.SetAction((r, ct) => Calls.RunAsync(r, output => Calls.Execute(r.GetValue(opId),
            new TransactionRequest(new ParticipantOperation(ParticipantKinds.Inventory, r.GetRequiredValue(item), action,
                Inputs.Amount(r.GetRequiredValue(quantity), "quantity"))), output), ct));
        return command;
    }

    private static Command Submit()
    {
        var opId = OperationId(required: true);
        var file = Text("--file", """JSON request: {"operations":[{"kind":"ledger","key":"alice","action":"debit","amount":5}, ...]}""");
        var command = new Command("submit", "Run any set of participant operations as one transaction.") { opId, file };
        command.SetAction((r, ct) => Calls.RunAsync(r, output => Calls.Execute(r.GetRequiredValue(opId),
            RequestFile.Read(r.GetRequiredValue(file)), output), ct));
        return command;
    }

    private static Command Status()
    {
        var id = new Argument<string>("operation-id") { Description = "The operation id to look up." };
        var command = new Command("status", "Show whether an operation id is unknown, in progress, committed or aborted.") { id };
        command.SetAction((r, ct) => Calls.RunAsync(r, output => Calls.Status(r.GetRequiredValue(id), output), ct));
        return command;
    }

    private static Command Query(string name, string key, string description, Func<TransactionClient, string, Task<long>> read)
    {
        var argument = new Argument<string>(key) { Description = $"The {key} to look up." };
        var command = new Command(name, description) { argument };
        command.SetAction((r, ct) => Calls.RunAsync(r, output => Calls.Level(name, key, r.GetRequiredValue(argument), read, output), ct));
        return command;
    }

    private static Option<double?> CreateConnectTimeout()
    {
        var option = new Option<double?>("--connect-timeout")
        {
            Description = "Seconds to wait for the cluster connection [default: TwoPc:Cluster:ConnectTimeout, else 10]",
            HelpName = "seconds",
            Recursive = true,
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is { } seconds && !(seconds > 0 && seconds <= ClusterSettings.MaxConnectTimeout.TotalSeconds))
            {
                result.AddError($"--connect-timeout must be more than 0 and at most {ClusterSettings.MaxConnectTimeout.TotalSeconds} seconds.");
            }
        });
        return option;
    }

    // Every value option is read as text, amounts included, so that a malformed number gets the same "invalid input"
    // message and exit code as any other bad input, instead of System.CommandLine's generic parse error.
    private static Option<string> Text(string name, string description) =>
        new(name) { Description = description, Required = true };

    private static Option<string?> OperationId(bool required) => new("--op-id")
    {
        Description = required
            ? "Operation id (1-128 of A-Z a-z 0-9 . _ : -). Reusing it returns the first outcome instead of running again."
            : "Operation id (1-128 of A-Z a-z 0-9 . _ : -) [default: a new op-<16 hex>]. Reuse it to retry safely.",
        Required = required,
        HelpName = "id",
    };
}
