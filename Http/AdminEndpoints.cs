using Microsoft.AspNetCore.Http;

namespace OrleansTwoPc.Http;

/// <summary>
/// The operator endpoints, the CLI's <c>in-doubt</c>, <c>inspect</c> and <c>resolve --abort</c> over the same grain
/// calls. They always need a caller with the <see cref="TwoPcHttpOptions.AdminRole"/> role.
/// </summary>
internal static class AdminEndpoints
{
    /// <summary>
    /// Every transaction not completed yet, oldest first. Without <paramref name="registryOnly"/> each is inspected, which
    /// activates its coordinator, and an activation resumes an unfinished record (as the next recovery sweep would).
    /// </summary>
    public static async Task<IResult> InDoubt(bool? registryOnly, TwoPcApi api, TimeProvider time, CancellationToken cancellationToken)
    {
        var shards = api.Options.RecoveryShards;
        var pending = await api.Transactions.InDoubtAsync(shards).WaitAsync(api.Options.Wait, cancellationToken);
        var now = time.GetUtcNow();
        if (registryOnly == true)
        {
            return TypedResults.Ok(new InDoubtResult(shards, [.. pending.Select(p => Entry(p, now, null, null))], 0));
        }

        // A few at a time: each inspection activates a coordinator.
        var snapshots = new CoordinatorSnapshot?[pending.Count];
        var errors = new string?[pending.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, pending.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, token) =>
            {
                try
                {
                    snapshots[i] = await api.Transactions.InspectAsync(pending[i].OperationId).WaitAsync(api.Options.Wait, token);
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    errors[i] = $"{ex.GetType().Name}: {ex.Message}";
                }
            });
        var open = new List<InDoubtEntry>(pending.Count);
        for (var i = 0; i < pending.Count; i++)
        {
            if (snapshots[i]?.Phase is not ("Completed" or "None"))
            {
                open.Add(Entry(pending[i], now, snapshots[i]?.Phase, errors[i]));
            }
        }

        return TypedResults.Ok(new InDoubtResult(shards, open, pending.Count - open.Count));
    }

    /// <summary>The whole coordinator record of an operation id; 404 when there is none (nothing is stored by asking).</summary>
    public static async Task<IResult> Inspect(string id, TwoPcApi api, CancellationToken cancellationToken)
    {
        var snapshot = await api.Transactions.InspectAsync(id).WaitAsync(api.Options.Wait, cancellationToken);
        if (snapshot.Phase == "None")
        {
            return Problems.Unknown(id);
        }

        var outcome = snapshot.Outcome;
        var operations = snapshot.Request?.Operations ?? [];
        var participants = operations.Select((op, i) =>
            new InspectedParticipant(op.Kind, op.Key, op.Action, op.Amount, i < snapshot.Votes.Count ? snapshot.Votes[i] : "-"));
        return TypedResults.Ok(new InspectResult(
            snapshot.OperationId, snapshot.Phase, TransactionResult.StatusWord(outcome.Status),
            outcome.Reason is { } reason ? new AbortReasonBody(reason.Code, reason.Message) : null,
            outcome.Status switch { TransactionStatus.Committed => "commit", TransactionStatus.Aborted => "abort", _ => "none" },
            [.. participants], snapshot.CreatedAt, outcome.DecidedAt, outcome.CompletedAt, snapshot.Epoch, snapshot.Fingerprint));
    }

    /// <summary>Operator abort: decides abort (reason <c>operator-abort</c>) if no decision is durable yet; 409 otherwise.</summary>
    public static async Task<IResult> Abort(string id, TwoPcApi api, CancellationToken cancellationToken)
    {
        var outcome = await api.Transactions.AbortByOperatorAsync(id).WaitAsync(api.Options.Wait, cancellationToken);
        return TypedResults.Ok(TransactionResult.From(outcome, withCompletion: true));
    }

    private static InDoubtEntry Entry(PendingOperation pending, DateTimeOffset now, string? phase, string? error) =>
        new(pending.OperationId, pending.StartedAt, Math.Round(Math.Max(0, (now - pending.StartedAt).TotalSeconds), 3), phase, error);
}
