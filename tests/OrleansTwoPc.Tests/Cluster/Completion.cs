using OrleansTwoPc.Client;

namespace OrleansTwoPc.Tests.Cluster;

/// <summary>
/// A caller is answered once the decision is durable, before phase 2 reaches the participants: a test that reads
/// balances or prepared records after a multi-participant transaction first waits for its completion, a signal the
/// coordinator gives, not for an amount of time.
/// </summary>
internal static class Completion
{
    /// <summary>Polls the id's status until the coordinator reports it completed; fails after <paramref name="timeout"/> (30 s).</summary>
    public static async Task WaitCompletedAsync(this TransactionClient transactions, string operationId, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (!(await transactions.GetStatusAsync(operationId, deadline.Token)).IsCompleted)
        {
            await Task.Delay(20, deadline.Token);
        }
    }
}
