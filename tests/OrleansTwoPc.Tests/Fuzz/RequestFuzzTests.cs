using CsCheck;
using OrleansTwoPc.Tests.Cluster;

namespace OrleansTwoPc.Tests.Fuzz;

/// <summary>
/// Random and malformed requests, thrown at the validator and at the grains. The validator only ever accepts or throws
/// <see cref="InvalidRequestException"/>; the grains never let another exception escape and never apply part of a
/// transaction: every account's balance equals what its committed operations say, whatever was thrown at it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RequestFuzzTests(MemoryClusterFixture fixture)
{
    private static readonly Dictionary<string, IReadOnlySet<string>> Kinds = new()
    {
        [ParticipantKinds.Ledger] = new HashSet<string>([LedgerActions.Credit, LedgerActions.Debit]),
        [ParticipantKinds.Inventory] = new HashSet<string>([InventoryActions.Reserve, InventoryActions.Restock]),
    };

    // Mostly plausible values with hostile ones mixed in: empty, long, non-ASCII, control characters, extremes.
    private static readonly Gen<string> Text = Gen.Frequency(
        (6, Gen.String[Gen.Char["abcXYZ019._:-"], 1, 12]),
        (1, Gen.Const("")),
        (1, Gen.String[Gen.Char, 0, 200]),
        (1, Gen.Const(new string('k', 129))),
        (1, Gen.String[Gen.Char["a /\\+é\0\n"], 1, 8]));

    private static readonly Gen<long> Amount = Gen.Frequency(
        (6, Gen.Long[1, 1_000]),
        (1, Gen.OneOf(Gen.Const(0L), Gen.Const(-1L), Gen.Const(long.MinValue), Gen.Const(long.MaxValue), Gen.Const(RequestLimits.MaxAmount + 1))),
        (1, Gen.Long));

    private static readonly Gen<ParticipantOperation> AnyOperation = Gen.Select(
        Gen.Frequency((4, Gen.OneOf(Gen.Const(ParticipantKinds.Ledger), Gen.Const(ParticipantKinds.Inventory))), (1, Text)),
        Text,
        Gen.Frequency((4, Gen.OneOf(Gen.Const(LedgerActions.Credit), Gen.Const(LedgerActions.Debit), Gen.Const(InventoryActions.Reserve))), (1, Text)),
        Amount,
        (kind, key, action, amount) => new ParticipantOperation(kind, key, action, amount));

    [Fact]
    public void The_validator_accepts_or_refuses_with_a_named_field_and_never_anything_else()
    {
        Gen.Select(Text, AnyOperation.Array[0, 20]).Sample((id, operations) =>
        {
            try
            {
                RequestValidator.Validate(id, new TransactionRequest(operations).Dated(), new RequestLimits(), Kinds);
            }
            catch (InvalidRequestException ex)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Field));
                Assert.False(string.IsNullOrWhiteSpace(ex.Rule));
                return;
            }

            // Accepted: then every rule really holds.
            Assert.InRange(id.Length, 1, RequestLimits.MaxIdLength);
            Assert.InRange(operations.Length, 1, 16);
            Assert.Equal(operations.Length, operations.Select(o => o.Participant).Distinct().Count());
            Assert.All(operations, o => Assert.InRange(o.Amount, 1, RequestLimits.MaxAmount));
            Assert.All(operations, o => Assert.Contains(o.Action, Kinds[o.Kind]));
        }, iter: 20_000);
    }

    [Fact]
    public async Task The_grains_never_throw_anything_unexpected_and_never_apply_part_of_a_request()
    {
        var cluster = fixture.Cluster;
        var run = Guid.NewGuid().ToString("N")[..8];
        // A few accounts, so requests collide; keys are drawn from them or made hostile.
        var accounts = Enumerable.Range(0, 4).Select(i => $"fz{run}-{i}").ToArray();
        var ledgerOperation = Gen.Select(
            Gen.Frequency((8, Gen.Int[0, accounts.Length - 1].Select(i => accounts[i])), (1, Text)),
            Gen.Frequency((8, Gen.OneOf(Gen.Const(LedgerActions.Credit), Gen.Const(LedgerActions.Debit))), (1, Text)),
            Amount,
            (key, action, amount) => new ParticipantOperation(ParticipantKinds.Ledger, key, action, amount));
        var committed = new List<TransactionRequest>();
        var decided = new List<string>();
        var attempt = 0;

        await Gen.Frequency((9, ledgerOperation.Array[1, 4]), (1, AnyOperation.Array[0, 18])).SampleAsync(async operations =>
        {
            var request = new TransactionRequest(operations).Dated();
            try
            {
                var id = $"fz{run}-op{Interlocked.Increment(ref attempt)}";
                var outcome = await cluster.Coordinator(id).Execute(request);
                Assert.True(outcome.IsDecided, $"an executed request must be decided: {outcome}");
                decided.Add(id);
                if (outcome.Status == TransactionStatus.Committed)
                {
                    committed.Add(request);
                }
            }
            catch (InvalidRequestException)
            {
                // refused up front: nothing may have changed, which the balance check below covers
            }
        }, iter: 300, threads: 1);

        Assert.True(committed.Count > 10, $"only {committed.Count} of {attempt} random requests committed: the generator is too hostile to test much");
        // Answered once decided: phase 2 (applying, or releasing the holds of an abort) may still be on its way.
        foreach (var id in decided)
        {
            await cluster.WaitCompletedAsync(id);
        }

        foreach (var account in accounts)
        {
            var expected = committed.SelectMany(r => r.Operations)
                .Where(o => o.Kind == ParticipantKinds.Ledger && o.Key == account)
                .Sum(o => o.Action == LedgerActions.Credit ? o.Amount : -o.Amount);
            var snapshot = await cluster.Inspection(ParticipantKinds.Ledger, account).Inspect(includeTrail: false);
            Assert.DoesNotContain(snapshot.Prepared, p => p.OperationId.StartsWith($"fz{run}", StringComparison.Ordinal));
            Assert.Equal(expected, await cluster.Ledger(account).GetBalance());
        }
    }
}
