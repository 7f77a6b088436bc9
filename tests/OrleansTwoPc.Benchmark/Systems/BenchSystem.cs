using OrleansTwoPc.Benchmark.Workloads;

namespace OrleansTwoPc.Benchmark.Systems;

public enum OpStatus
{
    Committed,

    /// <summary>A definite abort: nothing applied (business rule, lock timeout, ...).</summary>
    Aborted,

    /// <summary>No definite outcome (in doubt, timeout, unexpected error) or a wrong answer (a replay that ran again).</summary>
    Failed,
}

/// <summary>The outcome of one operation. <see cref="InnerTicks"/>: work timed inside the grain (the ceiling's write).</summary>
public readonly record struct OpResult(OpStatus Status, string? Reason = null, long InnerTicks = 0, string? OperationId = null)
{
    public static OpResult Committed(string? operationId = null, long innerTicks = 0) => new(OpStatus.Committed, null, innerTicks, operationId);

    public static OpResult Aborted(string reason, string? operationId = null) => new(OpStatus.Aborted, reason, 0, operationId);

    public static OpResult Failed(string reason, string? operationId = null) => new(OpStatus.Failed, reason, 0, operationId);
}

/// <summary>Which operation this is: unique per cell, worker and sequence number.</summary>
public readonly record struct OpContext(string CellTag, int Worker, long Sequence);

/// <summary>A system under test: runs one operation (a transaction, a write, a call) and classifies its outcome.</summary>
public interface IBenchSystem
{
    /// <summary>Short name used in tables, JSON and RESULT lines.</summary>
    string Name { get; }

    /// <summary>One sentence for the report.</summary>
    string Description { get; }

    /// <summary>Never throws: every exception becomes an aborted or failed result.</summary>
    Task<OpResult> ExecuteAsync(Leg[] legs, OpContext context);

    /// <summary>Called for each operation that completed inside the measured window, with its client timestamps.</summary>
    void Measured(in OpResult result, long start, long end)
    {
    }
}

/// <summary>A system that keeps account balances, so money conservation can be checked after each cell.</summary>
public interface ILedgerSystem : IBenchSystem
{
    /// <summary>Which accounts this system owns (systems sharing accounts share the conservation check).</summary>
    string Ledger { get; }

    /// <summary>Gives every account <paramref name="amount"/> before any measurement, <paramref name="parallel"/> writes at a time.</summary>
    Task FundAsync(long amount, int parallel);

    /// <summary>Activates every account grain (loading its state), so no measured transaction pays a cold activation.</summary>
    Task WarmAsync();

    /// <summary>
    /// The durable committed balances of <paramref name="accounts"/>, in order, read from grain storage (not through
    /// the grains: an Orleans Transactions read is itself a transaction that writes every account it reads).
    /// Settled is false while an account's record still holds an undecided or unconfirmed transaction.
    /// </summary>
    Task<AccountReading[]> ReadDurableAsync(string[] accounts);
}

/// <summary>One account as storage holds it.</summary>
public readonly record struct AccountReading(long Balance, bool Settled);
