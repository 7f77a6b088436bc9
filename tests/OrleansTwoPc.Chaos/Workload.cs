using System.Globalization;
using OrleansTwoPc.Client;

namespace OrleansTwoPc.Chaos;

/// <summary>The fixed set of participants every run works on.</summary>
public static class Universe
{
    public const long InitialBalance = 1_000;
    public const long InitialStock = 400;

    public static readonly IReadOnlyList<string> Accounts =
        Enumerable.Range(0, 20).Select(i => string.Create(CultureInfo.InvariantCulture, $"acct-{i:00}")).ToList();

    public static readonly IReadOnlyList<string> Items =
        Enumerable.Range(0, 5).Select(i => string.Create(CultureInfo.InvariantCulture, $"item-{i}")).ToList();

    public static IEnumerable<ParticipantId> Participants =>
        Accounts.Select(a => new ParticipantId(ParticipantKinds.Ledger, a))
            .Concat(Items.Select(i => new ParticipantId(ParticipantKinds.Inventory, i)));
}

/// <summary>
/// The exactly-once workload: seeded client loops of transfers (some too large: insufficient funds), three-participant
/// orders, deposits and restocks, with same-id replays after the fact and concurrent duplicates. Every submission
/// goes through <see cref="TransactionClient"/>, which retries with the same id until its deadline, or, with
/// <paramref name="http"/>, a seeded <paramref name="httpShare"/> of them (first submissions, replays and concurrent
/// duplicates alike, each one's retries included) through a silo's HTTP API (<see cref="HttpSubmitter"/>), which
/// retries the same way; every answer, definite or not, is recorded in the <see cref="History"/>.
/// </summary>
public sealed class Workload(int seed, HttpSubmitter? http = null, double httpShare = 0) : IChaosWorkload
{
    /// <summary>Long enough to outlast a kill plus membership detection, short enough to end the run.</summary>
    public static readonly TimeSpan ClientDeadline = TimeSpan.FromSeconds(20);

    /// <summary>Funds every account and stocks every item (before the faults start).</summary>
    public async Task SetUpAsync(IClusterClient client, History history)
    {
        var transactions = NewClient(client, history);
        var routes = Seeds.Stream(seed, Seeds.RouteStream - 1);
        var setup = Universe.Accounts.Select(a => (Id: $"s{seed}-setup-{a}", Kind: "setup", Request: TransactionRequest.Deposit(a, Universe.InitialBalance) with { CreatedAt = DateTimeOffset.UtcNow }))
            .Concat(Universe.Items.Select(i => (Id: $"s{seed}-setup-{i}", Kind: "setup", Request: Restock(i, Universe.InitialStock) with { CreatedAt = DateTimeOffset.UtcNow })));
        // Routes drawn in the setup's fixed order before anything runs, so they follow the seed.
        await Task.WhenAll(setup.Select(s => (Setup: s, Route: NextRoute(routes))).ToList()
            .Select(s => SubmitAsync(transactions, history, history.Start(s.Setup.Id, s.Setup.Kind, s.Setup.Request), Submission.First, s.Route)));
    }

    /// <summary>Runs client <paramref name="index"/> until <paramref name="stop"/>; in-flight submissions finish (no cancellation).</summary>
    public async Task RunClientAsync(IClusterClient client, History history, int index, CancellationToken stop)
    {
        var random = Seeds.Stream(seed, 1 + index);
        // Which way each submission goes is drawn from a stream of its own, so the workload's draws (and with them
        // the operations) are those of a run without HTTP.
        var routes = Seeds.Stream(seed, Seeds.RouteStream + index);
        var transactions = NewClient(client, history);
        var finished = new List<OperationRecord>();
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            // Every draw of an iteration happens up front, in a fixed order, so outcomes never shift the sequence.
            var (kind, request) = NextRequest(random);
            var duplicates = random.NextDouble() < 0.08 ? 2 + random.Next(3) : 1;
            var replayNow = random.NextDouble() < 0.08;
            var replayOld = random.NextDouble() < 0.04;
            var oldPick = random.Next();
            var think = random.Next(0, 20);
            var stagger = random.Next(0, 40);
            var probe = random.NextDouble() < 0.15;

            var record = history.Start(string.Create(CultureInfo.InvariantCulture, $"s{seed}-c{index}-{n}"), kind, request);
            using var submitted = new CancellationTokenSource();
            var probing = probe ? ProbeAsync(client, record, submitted.Token) : Task.CompletedTask;
            if (duplicates > 1)
            {
                // Staggered, so later copies land in different phases of the first: joining, deciding, deciding-and-writing.
                history.CountDuplicateGroup();
                var copyRoutes = Enumerable.Range(0, duplicates).Select(_ => NextRoute(routes)).ToList();
                await Task.WhenAll(Enumerable.Range(0, duplicates).Select(async copy =>
                {
                    await Task.Delay(copy * stagger, CancellationToken.None);
                    await SubmitAsync(transactions, history, record, Submission.ConcurrentDuplicate, copyRoutes[copy]);
                }));
            }
            else
            {
                await SubmitAsync(transactions, history, record, Submission.First, NextRoute(routes));
            }

            await submitted.CancelAsync();
            await probing;

            finished.Add(record);
            if (replayNow)
            {
                await ReplayAsync(transactions, history, record, NextRoute(routes));
            }

            if (replayOld && finished.Count > 1)
            {
                await ReplayAsync(transactions, history, finished[oldPick % finished.Count], NextRoute(routes));
            }

            await Task.Delay(think, CancellationToken.None);
        }
    }

    /// <summary>
    /// Polls the id's status while it runs, as a caller's UI would, and records each definite answer that differs from
    /// the previous one: a status must never report a decision that is not durable (or later changes).
    /// </summary>
    private static async Task ProbeAsync(IClusterClient client, OperationRecord record, CancellationToken submitted)
    {
        var coordinator = client.GetGrain<ITransactionCoordinatorGrain>(record.Id);
        TransactionOutcome? last = null;
        while (!submitted.IsCancellationRequested)
        {
            try
            {
                var status = await coordinator.GetStatus();
                if (status.IsDecided && (last is null || last.Status != status.Status || last.DecidedAt != status.DecidedAt))
                {
                    record.Add(Response.From(Submission.StatusProbe, status));
                    last = status;
                }
            }
            catch (Exception)
            {
                // A probe that fails (killed silo, timeout) proves nothing either way; the next one asks again.
            }

            await Task.Delay(10, CancellationToken.None);
        }
    }

    private async Task ReplayAsync(TransactionClient transactions, History history, OperationRecord record, int? route)
    {
        history.CountReplay();
        await SubmitAsync(transactions, history, record, Submission.Replay, route);
    }

    /// <summary>
    /// Where the next submission goes: null for the Orleans client, else the HTTP endpoint to try first. Without HTTP
    /// nothing is drawn; with it both draws are made every time, so the sequence depends on the count of submissions only.
    /// </summary>
    private int? NextRoute(Random routes)
    {
        if (http is null)
        {
            return null;
        }

        var viaHttp = routes.NextDouble() < httpShare;
        var endpoint = routes.Next(http.Endpoints.Count);
        return viaHttp ? endpoint : null;
    }

    /// <summary>A new operation: its request, dated now (the id is made now; every resubmission keeps this date).</summary>
    private static (string Kind, TransactionRequest Request) NextRequest(Random random)
    {
        var (kind, request) = NextOperation(random);
        return (kind, request with { CreatedAt = DateTimeOffset.UtcNow });
    }

    private static (string Kind, TransactionRequest Request) NextOperation(Random random)
    {
        var roll = random.NextDouble();
        var count = Universe.Accounts.Count;
        var from = random.Next(count);
        var a = Universe.Accounts[from];
        var b = Universe.Accounts[(from + 1 + random.Next(count - 1)) % count];
        var item = Universe.Items[random.Next(Universe.Items.Count)];
        var small = random.Next(1, 300);
        var large = random.Next(1_500, 4_000);
        var tooLarge = random.NextDouble() < 0.15;
        var quantity = random.Next(1, 5);
        var unitPrice = random.Next(5, 60);
        return roll switch
        {
            < 0.50 => ("transfer", TransactionRequest.Transfer(a, b, tooLarge ? large : small)),
            < 0.80 => ("order", new TransactionRequest(
                new ParticipantOperation(ParticipantKinds.Ledger, a, LedgerActions.Debit, quantity * unitPrice),
                new ParticipantOperation(ParticipantKinds.Ledger, b, LedgerActions.Credit, quantity * unitPrice),
                new ParticipantOperation(ParticipantKinds.Inventory, item, InventoryActions.Reserve, quantity))),
            < 0.95 => ("deposit", TransactionRequest.Deposit(a, small)),
            _ => ("restock", Restock(item, 5 + (small % 35))),
        };
    }

    private static TransactionRequest Restock(string item, long amount) =>
        new(new ParticipantOperation(ParticipantKinds.Inventory, item, InventoryActions.Restock, amount));

    /// <summary>How every caller of the run retries, over Orleans (<see cref="NewClient"/>) or HTTP (<see cref="HttpSubmitter"/>).</summary>
    public static TransactionClientOptions ClientRetries() => new()
    {
        Deadline = ClientDeadline,
        MaxBackoff = TimeSpan.FromSeconds(1),
    };

    /// <summary>A <see cref="TransactionClient"/> with the run's deadline that counts its retries.</summary>
    public static TransactionClient NewClient(IClusterClient client, History history)
    {
        var transactions = new TransactionClient(client, ClientRetries());
        transactions.Retrying += (_, _) => history.CountRetry();
        return transactions;
    }

    private async Task SubmitAsync(TransactionClient transactions, History history, OperationRecord record, Submission submission, int? route)
    {
        if (http is not null && route is { } endpoint)
        {
            record.Add(await http.SubmitAsync(record, submission, endpoint, history));
            return;
        }

        try
        {
            record.Add(Response.From(submission, await transactions.ExecuteAsync(record.Id, record.Request)));
        }
        catch (Exception ex)
        {
            record.Add(Response.From(submission, ex));
        }
    }
}
