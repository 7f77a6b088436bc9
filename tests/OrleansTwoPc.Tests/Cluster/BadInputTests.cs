namespace OrleansTwoPc.Tests.Cluster;

/// <summary>Every bad input is refused by the coordinator itself (not only by the client) and changes nothing.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BadInputTests(MemoryClusterFixture fixture)
{
    private readonly TwoPcCluster _cluster = fixture.Cluster;

    private static ParticipantOperation Credit(string key, long amount = 10) => new(ParticipantKinds.Ledger, key, LedgerActions.Credit, amount);

    public static TheoryData<string, string, TransactionRequest> BadRequests() => new()
    {
        { "unknown kind", "operations[0].kind", new TransactionRequest(new ParticipantOperation("wallet", "a", "credit", 1)).Dated() },
        { "unknown action", "operations[0].action", new TransactionRequest(new ParticipantOperation(ParticipantKinds.Ledger, "a", "steal", 1)).Dated() },
        { "zero amount", "operations[0].amount", new TransactionRequest(Credit("a", 0)).Dated() },
        { "negative amount", "operations[0].amount", new TransactionRequest(Credit("a", -5)).Dated() },
        { "overflowing amount", "operations[0].amount", new TransactionRequest(Credit("a", long.MaxValue)).Dated() },
        { "empty key", "operations[0].key", new TransactionRequest(Credit("")).Dated() },
        { "oversized key", "operations[0].key", new TransactionRequest(Credit(new string('k', 129))).Dated() },
        { "ill-formed key", "operations[0].key", new TransactionRequest(Credit("a b")).Dated() },
        { "same participant twice", "operations[1]", new TransactionRequest(Credit("a"), new ParticipantOperation(ParticipantKinds.Ledger, "a", LedgerActions.Debit, 1)).Dated() },
        { "too many participants", "operations", new TransactionRequest(Enumerable.Range(0, 17).Select(i => Credit($"p{i}")).ToArray()).Dated() },
        { "no participants", "operations", new TransactionRequest([]).Dated() },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Coordinator_refuses_bad_requests_and_stores_nothing(string _, string field, TransactionRequest request)
    {
        var op = $"bad-{Guid.NewGuid():N}";
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => _cluster.Coordinator(op).Execute(request));
        Assert.Equal(field, error.Field);
        Assert.False(string.IsNullOrWhiteSpace(error.Rule));
        Assert.Equal(TransactionStatus.Unknown, (await _cluster.Coordinator(op).GetStatus()).Status);

        // The id stays usable for a good request.
        var ok = await _cluster.Transactions.ExecuteAsync(op, TransactionRequest.Deposit($"acct-{Guid.NewGuid():N}", 1).Dated());
        Assert.Equal(TransactionStatus.Committed, ok.Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("ünicode")]
    public async Task Ill_formed_operation_ids_are_refused_before_any_call(string id)
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(
            () => _cluster.Transactions.ExecuteAsync(id, TransactionRequest.Deposit("a", 1).Dated()));
        Assert.Equal("operationId", error.Field);
    }

    [Fact]
    public async Task Oversized_operation_id_is_refused_by_the_coordinator_too()
    {
        var id = new string('x', 129);
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => _cluster.Coordinator(id).Execute(TransactionRequest.Deposit("a", 1).Dated()));
        Assert.Equal("operationId", error.Field);
        Assert.Contains("129 characters", error.Rule, StringComparison.Ordinal);
    }
}
