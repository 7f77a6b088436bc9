using System.CommandLine;
using OrleansTwoPc.Client;

namespace OrleansTwoPc.Cli;

/// <summary>The network half of a command, returned once its input has passed the local checks.</summary>
internal delegate Task<int> RemoteCall(TransactionClient client, CancellationToken cancellationToken);

/// <summary>
/// What each command does. Every command runs in two halves: a local half that parses and validates the input and
/// throws <see cref="InvalidRequestException"/> before anything touches the network (so bad input never needs a
/// cluster), and a <see cref="RemoteCall"/> that runs only after the cluster connection is up.
/// </summary>
internal static class Calls
{
    // The client cannot know the cluster's participant limit; the coordinator enforces it with the server's value.
    private static readonly RequestLimits ClientLimits = new() { MaxParticipants = int.MaxValue };

    /// <summary>Runs one command: local half, connect, remote half; every failure becomes a message and exit code.</summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<Output, RemoteCall> prepare, CancellationToken cancellationToken)
    {
        var output = new Output(parse.GetValue(Commands.Json));
        try
        {
            var call = prepare(output);
            await using var cluster = await ClusterConnection.ConnectAsync(
                parse.GetValue(Commands.Gateway), parse.GetValue(Commands.ConnectTimeout), cancellationToken);
            try
            {
                return await call(cluster.Transactions, cancellationToken);
            }
            catch (Exception ex)
            {
                // Reported before the connection closes: closing can take seconds, and after Ctrl+C the process may
                // be ended before then.
                return output.Fail(ex);
            }
        }
        catch (Exception ex)
        {
            return output.Fail(ex);
        }
    }

    /// <summary>Executes a transaction exactly once under the given operation id, or under a new one if none is given.</summary>
    public static RemoteCall Execute(string? operationId, TransactionRequest request, Output output)
    {
        var id = operationId ?? Inputs.NewOperationId();
        RequestValidator.Validate(id, request, ClientLimits, actionsByKind: null);
        return async (client, cancellationToken) =>
        {
            if (operationId is null)
            {
                // Printed before the request leaves: if this process dies mid-way, the id finds out how it ended.
                output.GeneratedOperationId(id);
            }

            try
            {
                return output.Executed(await client.ExecuteAsync(id, request, cancellationToken));
            }
            catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
            {
                throw new CliException("cancelled",
                    $"cancelled before the outcome of operation id '{id}' was known; query it with: status {id}", ex, ("operationId", id));
            }
        };
    }

    /// <summary>Looks up what happened to an operation id.</summary>
    public static RemoteCall Status(string operationId, Output output)
    {
        RequestValidator.ValidateId(operationId, "operationId");
        return async (client, cancellationToken) => output.Status(await client.GetStatusAsync(operationId, cancellationToken));
    }

    /// <summary>Reads a committed level: <c>balance</c> of a ledger account or <c>stock</c> of an inventory item.</summary>
    public static RemoteCall Level(string level, string keyName, string key,
        Func<TransactionClient, string, Task<long>> read, Output output)
    {
        RequestValidator.ValidateId(key, keyName);

        // These reads take no token and have no retry loop in TransactionClient; Orleans' response timeout bounds them.
        return async (client, cancellationToken) =>
            output.Level(keyName, key, level, await read(client, key).WaitAsync(cancellationToken));
    }
}
