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
    public static async Task<int> RunAsync(ParseResult parse, GlobalOptions globals, Func<Output, RemoteCall> prepare,
        CancellationToken cancellationToken)
    {
        var output = new Output(parse.GetValue(globals.Json), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        try
        {
            var call = prepare(output);
            await using var cluster = await ClusterConnection.ConnectAsync(
                parse.GetValue(globals.Gateway), parse.GetValue(globals.ConnectTimeout), cancellationToken);
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

    /// <summary>
    /// Executes a transaction exactly once under the given operation id, or under a new, time-ordered one if none is
    /// given. A given id that carries no time needs <c>--created-at</c>: the time the id was first used, the same on
    /// every retry, so that a retry after the retention period is refused instead of run again.
    /// </summary>
    public static RemoteCall Execute(string? operationId, string? createdAt, TransactionRequest request, Output output)
    {
        var id = operationId ?? Inputs.NewOperationId();
        if (createdAt is not null)
        {
            request = request with { CreatedAt = Inputs.Time(createdAt, "created-at") };
        }

        RequestValidator.Validate(id, request, ClientLimits, actionsByKind: null);
        if (request.CreatedAt is null && !OperationIds.TryGetCreationTime(id, out _))
        {
            throw new InvalidRequestException("created-at",
                $"required with an --op-id that carries no time ('{id}'): give the time the id was first used, e.g. "
                + "2026-12-04T18:00:00Z, the same on every retry; or leave out --op-id to get a time-ordered id");
        }

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

    /// <summary>Shows an operation's coordinator record.</summary>
    public static RemoteCall Inspect(string operationId, Output output)
    {
        RequestValidator.ValidateId(operationId, "operationId");
        return async (client, cancellationToken) =>
            output.Inspected(await client.InspectAsync(operationId).WaitAsync(cancellationToken), DateTimeOffset.UtcNow);
    }

    /// <summary>Shows a participant's value, prepared records and (with the trail) ended records.</summary>
    public static RemoteCall Participant(string kind, string key, bool trail, Output output)
    {
        RequestValidator.ValidateId(kind, "kind");
        RequestValidator.ValidateId(key, "key");
        return async (client, cancellationToken) =>
        {
            ParticipantSnapshot snapshot;
            try
            {
                snapshot = await client.InspectParticipantAsync(kind, key, trail).WaitAsync(cancellationToken);
            }
            catch (Exception ex) when (UnknownGrainType(ex))
            {
                // The runtime's own message names its internals; the client cannot list the cluster's kinds.
                throw new InvalidRequestException("kind",
                    $"'{kind}' is not a participant kind this cluster hosts (the shipped kinds are {ParticipantKinds.Ledger} and {ParticipantKinds.Inventory})");
            }

            return output.Participant(snapshot, trail, DateTimeOffset.UtcNow);
        };
    }

    /// <summary>
    /// Lists unfinished transactions across the registry's shards, oldest first, each with its phase (inspecting, so
    /// activating, each coordinator), or with <paramref name="registryOnly"/> just as the registry holds them.
    /// </summary>
    public static RemoteCall InDoubt(int shards, bool registryOnly, Output output) => async (client, cancellationToken) =>
    {
        var pending = await client.InDoubtAsync(shards).WaitAsync(cancellationToken);
        if (registryOnly)
        {
            return output.InDoubt(shards, pending, null, null, DateTimeOffset.UtcNow);
        }

        // A few at a time: each inspection activates a coordinator, which resumes an unfinished record.
        var snapshots = new CoordinatorSnapshot?[pending.Count];
        var errors = new string?[pending.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, pending.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, token) =>
            {
                try
                {
                    snapshots[i] = await client.InspectAsync(pending[i].OperationId).WaitAsync(token);
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    errors[i] = $"{ex.GetType().Name}: {ex.Message}";
                }
            });
        return output.InDoubt(shards, pending, snapshots, errors, DateTimeOffset.UtcNow);
    };

    /// <summary>Operator abort of an undecided transaction; <c>--abort</c> is the only resolution.</summary>
    public static RemoteCall Resolve(string operationId, bool abort, Output output)
    {
        RequestValidator.ValidateId(operationId, "operationId");
        if (!abort)
        {
            throw new CliException("usage",
                $"resolve needs --abort: the only supported resolution is to abort a transaction that has no durable decision yet (resolve {operationId} --abort); a durable decision, commit or abort, cannot be changed",
                ("operationId", operationId));
        }

        return async (client, cancellationToken) =>
            output.Resolved(await client.AbortByOperatorAsync(operationId).WaitAsync(cancellationToken));
    }

    // What Orleans answers for a grain type no silo hosts ("No active nodes are compatible with grain wallet and
    // interface ..."), and for a hosted grain type that is not a participant (e.g. the coordinator's).
    private static bool UnknownGrainType(Exception ex) =>
        ex is InvalidCastException
        || (ex is Orleans.Runtime.OrleansException && ex.Message.StartsWith("No active nodes are compatible with grain", StringComparison.Ordinal));
}
