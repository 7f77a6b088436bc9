using Orleans.Runtime;
using OrleansTwoPc.Protocol;

namespace OrleansTwoPc.Tests.Cluster;

/// <summary>
/// The exactly-once scenarios, one suite for every storage backend: each backend is a small fixture class
/// (see <see cref="BackendFixtures"/>) that starts a 2-silo cluster on it.
/// </summary>
public abstract class TransactionScenarios(ClusterFixture fixture)
{
    private readonly TwoPcCluster _cluster = fixture.Cluster;

    private static string Id(string name) => $"{name}-{Guid.NewGuid():N}";

    private async Task<string> FundAsync(long amount)
    {
        var account = Id("acct");
        var outcome = await _cluster.Transactions.ExecuteAsync(Id("fund"), TransactionRequest.Deposit(account, amount).Dated());
        Assert.Equal(TransactionStatus.Committed, outcome.Status);
        return account;
    }

    [ScenarioFact]
    public async Task Transfer_commits_across_participants_on_different_silos()
    {
        var crossSilo = 0;
        for (var i = 0; i < 12 && crossSilo == 0; i++)
        {
            var from = await FundAsync(100);
            var to = Id("acct");
            var op = Id("t");
            var outcome = await _cluster.Transactions.ExecuteAsync(op, TransactionRequest.Transfer(from, to, 30).Dated());
            Assert.Equal(TransactionStatus.Committed, outcome.Status);
            Assert.False(outcome.Replayed);
            await _cluster.WaitCompletedAsync(op);
            Assert.Equal(70, await _cluster.Ledger(from).GetBalance());
            Assert.Equal(30, await _cluster.Ledger(to).GetBalance());
            var hosts = await Task.WhenAll(
                HostOfAsync(GrainId.Create(ParticipantKinds.Ledger, from)),
                HostOfAsync(GrainId.Create(ParticipantKinds.Ledger, to)));
            crossSilo += hosts[0] != hosts[1] ? 1 : 0;
        }

        Assert.True(crossSilo > 0, "no transfer had its two accounts on different silos in 12 tries");
    }

    [ScenarioFact]
    public async Task A_hot_account_forgets_completed_transactions_so_its_state_stays_small()
    {
        var hot = await FundAsync(1_000);
        var others = Enumerable.Range(0, 40).Select(_ => Id("acct")).ToArray();
        var ids = others.Select(_ => Id("t")).ToArray();
        // Concurrent transfers out of one account, plus retries of each id: every id applies once.
        var outcomes = await Task.WhenAll(ids.Select((id, i) => _cluster.Transactions.ExecuteAsync(id, TransactionRequest.Transfer(hot, others[i], 10).Dated())));
        Assert.All(outcomes, o => Assert.Equal(TransactionStatus.Committed, o.Status));
        foreach (var id in ids)
        {
            await _cluster.WaitCompletedAsync(id);
        }

        var retries = await Task.WhenAll(ids.Select((id, i) => _cluster.Transactions.ExecuteAsync(id, TransactionRequest.Transfer(hot, others[i], 10).Dated())));
        Assert.All(retries, o => Assert.True(o.Replayed && o.Status == TransactionStatus.Committed));

        // The coordinators tell the participants to forget once they completed (one-way messages: wait for them).
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var inspection = _cluster.Inspection(ParticipantKinds.Ledger, hot);
        while ((await inspection.Inspect(false)).EndedCount > 0)
        {
            await Task.Delay(20, deadline.Token);
        }

        Assert.Equal(1_000 - (10 * others.Length), await _cluster.Ledger(hot).GetBalance());
        Assert.All(await Task.WhenAll(others.Select(o => _cluster.Ledger(o).GetBalance())), balance => Assert.Equal(10, balance));
        Assert.Empty((await inspection.Inspect(true)).Prepared);
    }

    [ScenarioFact]
    public async Task A_retry_after_every_grain_was_deactivated_replays_the_stored_outcome()
    {
        var from = await FundAsync(100);
        var to = Id("acct");
        var op = Id("t");
        var first = await _cluster.Transactions.ExecuteAsync(op, TransactionRequest.Transfer(from, to, 30).Dated());
        await _cluster.WaitCompletedAsync(op);

        // Every idle activation goes: the retry must rebuild the coordinator (request included) from storage.
        await _cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var replay = await _cluster.Transactions.ExecuteAsync(op, TransactionRequest.Transfer(from, to, 30).Dated());
        Assert.True(replay.Replayed);
        Assert.Equal((first.Status, first.DecidedAt), (replay.Status, replay.DecidedAt));
        Assert.Equal(TransactionStatus.Committed, (await _cluster.Transactions.GetStatusAsync(op)).Status);
        Assert.Equal(70, await _cluster.Ledger(from).GetBalance());
        Assert.Equal(30, await _cluster.Ledger(to).GetBalance());
    }

    [ScenarioFact]
    public async Task Abort_leaves_every_participant_unchanged()
    {
        var rich = await FundAsync(500);
        var poor = await FundAsync(10);
        var op = Id("t");
        var outcome = await _cluster.Transactions.ExecuteAsync(op, new TransactionRequest(
            new ParticipantOperation(ParticipantKinds.Ledger, rich, LedgerActions.Credit, 100),
            new ParticipantOperation(ParticipantKinds.Ledger, poor, LedgerActions.Debit, 100)).Dated());

        Assert.Equal(TransactionStatus.Aborted, outcome.Status);
        Assert.Equal(AbortCodes.InsufficientFunds, outcome.Reason?.Code);
        await _cluster.WaitCompletedAsync(op);
        Assert.Equal(500, await _cluster.Ledger(rich).GetBalance());
        Assert.Equal(10, await _cluster.Ledger(poor).GetBalance());

        // The credit's reservation was released: the whole ceiling is usable, and a replay says the same thing.
        var replay = await _cluster.Transactions.ExecuteAsync(op, new TransactionRequest(
            new ParticipantOperation(ParticipantKinds.Ledger, poor, LedgerActions.Debit, 100),
            new ParticipantOperation(ParticipantKinds.Ledger, rich, LedgerActions.Credit, 100)).Dated());
        Assert.Equal(outcome.Reason, replay.Reason);
        Assert.True(replay.Replayed);
    }

    [ScenarioFact]
    public async Task Changed_payload_under_a_used_id_is_a_conflict_and_changes_nothing()
    {
        var from = await FundAsync(100);
        var to = Id("acct");
        var op = Id("t");
        await _cluster.Transactions.ExecuteAsync(op, TransactionRequest.Transfer(from, to, 30).Dated());
        await _cluster.WaitCompletedAsync(op);

        var conflict = await Assert.ThrowsAsync<OperationConflictException>(
            () => _cluster.Transactions.ExecuteAsync(op, TransactionRequest.Transfer(from, to, 31).Dated()));
        Assert.Equal(op, conflict.OperationId);
        Assert.Contains(op, conflict.Message, StringComparison.Ordinal);
        Assert.Equal(70, await _cluster.Ledger(from).GetBalance());
        Assert.Equal(30, await _cluster.Ledger(to).GetBalance());
        Assert.Equal(TransactionStatus.Committed, (await _cluster.Transactions.GetStatusAsync(op)).Status);
    }

    [ScenarioFact]
    public async Task Fifty_concurrent_duplicates_run_once_and_all_get_the_same_outcome()
    {
        var from = await FundAsync(100);
        var to = Id("acct");
        var op = Id("t");
        var request = TransactionRequest.Transfer(from, to, 10).Dated();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 50)
            .Select(_ => Task.Run(() => _cluster.Transactions.ExecuteAsync(op, request))));

        Assert.All(outcomes, o => Assert.Equal(TransactionStatus.Committed, o.Status));
        Assert.Single(outcomes.Select(o => o.DecidedAt).Distinct());
        await _cluster.WaitCompletedAsync(op);
        Assert.Equal(90, await _cluster.Ledger(from).GetBalance());
        Assert.Equal(10, await _cluster.Ledger(to).GetBalance());
    }

    [ScenarioFact]
    public async Task Single_participant_request_commits_in_one_phase()
    {
        var account = Id("acct");
        var op = Id("d");
        var outcome = await _cluster.Transactions.ExecuteAsync(op, TransactionRequest.Deposit(account, 42).Dated());

        Assert.Equal(TransactionStatus.Committed, outcome.Status);
        // One phase: the decision and completion land together, there is no separate phase 2.
        Assert.NotNull(outcome.CompletedAt);
        Assert.Equal(outcome.DecidedAt, outcome.CompletedAt);
        Assert.Equal(42, await _cluster.Ledger(account).GetBalance());
        var replay = await _cluster.Transactions.ExecuteAsync(op, TransactionRequest.Deposit(account, 42).Dated());
        Assert.True(replay.Replayed);
        Assert.Equal(42, await _cluster.Ledger(account).GetBalance());
    }

    [ScenarioFact]
    public async Task A_read_during_a_prepared_state_shows_the_committed_value()
    {
        var account = await FundAsync(100);
        var ledger = _cluster.Client.GetGrain<IParticipantGrain>(GrainId.Create(ParticipantKinds.Ledger, account));
        var debit = new ParticipantOperation(ParticipantKinds.Ledger, account, LedgerActions.Debit, 60);

        Assert.True((await ledger.Prepare("held-op", 1, DateTimeOffset.UtcNow, debit)).IsYes);
        Assert.Equal(100, await _cluster.Ledger(account).GetBalance());
        // The hold is real: a second debit of 60 cannot spend the same money.
        var second = await ledger.Prepare("second-op", 1, DateTimeOffset.UtcNow, debit with { Amount = 60 });
        Assert.Equal(AbortCodes.InsufficientFunds, second.Reason?.Code);

        await ledger.Commit("held-op", 1);
        Assert.Equal(40, await _cluster.Ledger(account).GetBalance());
    }

    [ScenarioFact]
    public async Task Status_reports_unknown_then_the_outcome()
    {
        var op = Id("s");
        Assert.Equal(TransactionStatus.Unknown, (await _cluster.Transactions.GetStatusAsync(op)).Status);
        await _cluster.Transactions.ExecuteAsync(op, TransactionRequest.Transfer(Id("empty"), Id("acct"), 5).Dated());
        var status = await _cluster.Transactions.GetStatusAsync(op);
        Assert.Equal(TransactionStatus.Aborted, status.Status);
        Assert.Equal(AbortCodes.InsufficientFunds, status.Reason?.Code);
    }

    [ScenarioFact]
    public async Task Multi_participant_request_spans_both_kinds()
    {
        var buyer = await FundAsync(1_000);
        var item = Id("widget");
        var shop = Id("shop");
        await _cluster.Transactions.ExecuteAsync(Id("r"), new TransactionRequest(
            new ParticipantOperation(ParticipantKinds.Inventory, item, InventoryActions.Restock, 5)).Dated());

        var op = Id("order");
        var order = new TransactionRequest(
            new ParticipantOperation(ParticipantKinds.Ledger, buyer, LedgerActions.Debit, 300),
            new ParticipantOperation(ParticipantKinds.Ledger, shop, LedgerActions.Credit, 300),
            new ParticipantOperation(ParticipantKinds.Inventory, item, InventoryActions.Reserve, 3)).Dated();
        Assert.Equal(TransactionStatus.Committed, (await _cluster.Transactions.ExecuteAsync(op, order)).Status);
        await _cluster.WaitCompletedAsync(op);
        Assert.Equal(700, await _cluster.Ledger(buyer).GetBalance());
        Assert.Equal(300, await _cluster.Ledger(shop).GetBalance());
        Assert.Equal(2, await _cluster.Inventory(item).GetStock());

        // Out of stock aborts the whole order: no money moves either.
        var tooMany = order with { Operations = [order.Operations[0], order.Operations[1], order.Operations[2] with { Amount = 3 }] };
        var second = await _cluster.Transactions.ExecuteAsync(Id("order"), tooMany);
        Assert.Equal(AbortCodes.InsufficientStock, second.Reason?.Code);
        Assert.Equal(700, await _cluster.Ledger(buyer).GetBalance());
        Assert.Equal(2, await _cluster.Inventory(item).GetStock());
    }

    [ScenarioFact]
    public async Task Ids_that_differ_only_in_case_or_leading_zeros_are_different_ids()
    {
        // Hex-looking keys: Orleans' ADO.NET provider would fold these into one number unless stored exactly.
        var hex = $"{Random.Shared.NextInt64(0x1000_0000, long.MaxValue):x}";
        var accounts = new[] { hex, hex.ToUpperInvariant(), "0" + hex };
        for (var i = 0; i < accounts.Length; i++)
        {
            var outcome = await _cluster.Transactions.ExecuteAsync(accounts[i], TransactionRequest.Deposit(accounts[i], i + 1).Dated());
            Assert.Equal(TransactionStatus.Committed, outcome.Status);
            Assert.False(outcome.Replayed, $"'{accounts[i]}' must not replay another id's outcome");
        }

        for (var i = 0; i < accounts.Length; i++)
        {
            Assert.Equal(i + 1, await _cluster.Ledger(accounts[i]).GetBalance());
        }
    }

    private async Task<SiloAddress?> HostOfAsync(GrainId grain)
    {
        var management = _cluster.Client.GetGrain<IManagementGrain>(0);
        var stats = await management.GetDetailedGrainStatistics();
        return stats.FirstOrDefault(s => s.GrainId == grain)?.SiloAddress;
    }
}
