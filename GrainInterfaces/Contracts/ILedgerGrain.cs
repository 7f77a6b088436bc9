namespace OrleansTwoPc;

/// <summary>An account ledger participant (<see cref="ParticipantKinds.Ledger"/>).</summary>
public interface ILedgerGrain : IParticipantGrain
{
    /// <summary>The committed balance: never includes a prepared but undecided operation.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<long> GetBalance();
}
