using System.Globalization;
using OrleansTwoPc.Client;

namespace OrleansTwoPc.Chaos.Compare;

/// <summary>How a client delivers an intent when calls fail.</summary>
public enum Delivery
{
    /// <summary>One call; a failure (error, timeout or abort) is given up.</summary>
    AtMostOnce,

    /// <summary>Retries every failure with a fresh operation id until one call says committed.</summary>
    AtLeastOnce,

    /// <summary>Retries with the same id while the outcome is unknown (TransactionClient); a new id only after a definite abort.</summary>
    ExactlyOnce,
}

/// <summary>
/// Intents that only faults can stop (business rules always allow them): deposits of known amounts, and transfers
/// out of bank accounts funded far beyond anything the run moves. Each attempt's id maps to its intent in the history,
/// so counting an intent's committed trail entries at its target account says whether it was lost or duplicated.
/// </summary>
public sealed class DeliveryWorkload(int seed, Delivery delivery) : IChaosWorkload
{
    public const long BankFunds = 1_000_000_000_000;

    /// <summary>How long a retrying client pursues one intent before it gives up on it.</summary>
    public static readonly TimeSpan IntentDeadline = TimeSpan.FromSeconds(60);

    public static readonly IReadOnlyList<string> Banks = ["bank-0", "bank-1"];

    public string Name => delivery switch
    {
        Delivery.AtMostOnce => "at-most-once",
        Delivery.AtLeastOnce => "at-least-once",
        _ => "exactly-once",
    };

    public async Task SetUpAsync(IClusterClient client, History history)
    {
        // Setup is not under test: it uses the exactly-once client for every delivery mode, before any fault.
        var transactions = Workload.NewClient(client, history);
        foreach (var bank in Banks)
        {
            var request = TransactionRequest.Deposit(bank, BankFunds) with { CreatedAt = DateTimeOffset.UtcNow };
            var record = history.Start($"s{seed}-{Name}-setup-{bank}", "setup", request);
            record.Add(Response.From(Submission.First, await transactions.ExecuteAsync(record.Id, request)));
        }
    }

    public async Task RunClientAsync(IClusterClient client, History history, int index, CancellationToken stop)
    {
        var random = Seeds.Stream(seed, 1 + index);
        var transactions = Workload.NewClient(client, history);
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var account = Universe.Accounts[random.Next(Universe.Accounts.Count)];
            var amount = random.Next(1, 1_000);
            var bank = random.NextDouble() < 0.5 ? Banks[random.Next(Banks.Count)] : null;
            var think = random.Next(0, 20);
            var request = (bank is null ? TransactionRequest.Deposit(account, amount) : TransactionRequest.Transfer(bank, account, amount))
                with { CreatedAt = DateTimeOffset.UtcNow };
            var intent = (index * 1_000_000) + n;
            await DeliverAsync(client, transactions, history, intent, bank is null ? "deposit" : "transfer", request);
            await Task.Delay(think, CancellationToken.None);
        }
    }

    private async Task DeliverAsync(IClusterClient client, TransactionClient transactions, History history, int intent, string kind, TransactionRequest request)
    {
        // The exactly-once client must not abandon an id whose outcome it does not know yet; it gets a longer leash.
        var deadline = DateTimeOffset.UtcNow + (delivery == Delivery.ExactlyOnce ? 3 * IntentDeadline : IntentDeadline);
        var attempt = 0;
        var record = NewAttempt();
        while (true)
        {
            Response response;
            try
            {
                var outcome = delivery == Delivery.ExactlyOnce
                    ? await transactions.ExecuteAsync(record.Id, request)
                    : await client.GetGrain<ITransactionCoordinatorGrain>(record.Id).Execute(request);
                response = Response.From(Submission.First, outcome);
            }
            catch (Exception ex)
            {
                response = Response.From(Submission.First, ex);
            }

            record.Add(response);
            if (response.Status == TransactionStatus.Committed || delivery == Delivery.AtMostOnce || DateTimeOffset.UtcNow > deadline)
            {
                return;
            }

            // A definite abort means this id can never commit, so even the exactly-once client may use a new id.
            // While the outcome is unknown, only the exactly-once client keeps the id; at-least-once takes a new one.
            if (delivery == Delivery.AtLeastOnce || response.IsDefinite)
            {
                record = NewAttempt();
            }

            await Task.Delay(200, CancellationToken.None);
        }

        OperationRecord NewAttempt() => history.Start(
            string.Create(CultureInfo.InvariantCulture, $"s{seed}-{Name}-i{intent}-a{attempt++}"), kind, request, intent);
    }
}
