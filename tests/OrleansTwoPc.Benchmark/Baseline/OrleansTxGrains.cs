using Orleans.Transactions.Abstractions;

namespace OrleansTwoPc.Benchmark.Baseline;

/// <summary>The baseline's account value.</summary>
[GenerateSerializer, Alias("bench.balance")]
public sealed class Balance
{
    [Id(0)] public long Value { get; set; }
}

/// <summary>A debit larger than the balance: the Orleans transaction aborts (the counterpart of OrleansTwoPc's no vote).</summary>
[GenerateSerializer, Alias("bench.insufficient-funds")]
public sealed class InsufficientFundsException : Exception
{
    public InsufficientFundsException(string message) : base(message)
    {
    }

    public InsufficientFundsException() : this("insufficient funds")
    {
    }

    public InsufficientFundsException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>One account's change within a transaction.</summary>
[GenerateSerializer, Immutable, Alias("bench.account-delta")]
public readonly record struct AccountDelta([property: Id(0)] string Account, [property: Id(1)] long Delta);

/// <summary>An Orleans Transactions account: the state lives in <see cref="BenchStorageNames.OrleansTx"/>.</summary>
public interface IOtxAccountGrain : IGrainWithStringKey
{
    /// <summary>Adds <paramref name="delta"/>; a debit beyond the balance throws and aborts the transaction.</summary>
    [Transaction(TransactionOption.Join)]
    Task Apply(long delta);

    [Transaction(TransactionOption.CreateOrJoin)]
    Task<long> GetBalance();

    /// <summary>No transaction: activates the grain (which loads its transactional state) and returns.</summary>
    Task Warm();
}

/// <summary>The baseline's transaction entry points; one grain per client loop (the key), so none of them queue.</summary>
public interface IOtxTransferGrain : IGrainWithIntegerKey
{
    /// <summary>The expert way: account calls one after another in ascending key order, so no two transactions lock in opposite orders.</summary>
    [Transaction(TransactionOption.Create)]
    Task Transfer(AccountDelta[] legs);

    /// <summary>The naive way: all account calls at once; under skew, lock waits cycle until the lock timeout breaks them.</summary>
    [Transaction(TransactionOption.Create)]
    Task TransferParallel(AccountDelta[] legs);

}

[GrainType(GrainTypeName)]
public sealed class OtxAccountGrain(
    [TransactionalState("account", BenchStorageNames.OrleansTx)] ITransactionalState<Balance> balance) : Grain, IOtxAccountGrain
{
    public const string GrainTypeName = "bench-otx-account";

    public Task Apply(long delta) => balance.PerformUpdate(b =>
    {
        if (b.Value + delta < 0)
        {
            throw new InsufficientFundsException($"{this.GetPrimaryKeyString()} has {b.Value}, needs {-delta}");
        }

        b.Value += delta;
    });

    public Task<long> GetBalance() => balance.PerformRead(b => b.Value);

    public Task Warm() => Task.CompletedTask;
}

[GrainType("bench-otx-transfer")]
public sealed class OtxTransferGrain : Grain, IOtxTransferGrain
{
    public async Task Transfer(AccountDelta[] legs)
    {
        foreach (var leg in legs.OrderBy(l => l.Account, StringComparer.Ordinal))
        {
            await GrainFactory.GetGrain<IOtxAccountGrain>(leg.Account).Apply(leg.Delta);
        }
    }

    public Task TransferParallel(AccountDelta[] legs) =>
        Task.WhenAll(legs.Select(leg => GrainFactory.GetGrain<IOtxAccountGrain>(leg.Account).Apply(leg.Delta)));
}
