namespace OrleansTwoPc;

/// <summary>An inventory item participant (<see cref="ParticipantKinds.Inventory"/>).</summary>
public interface IInventoryGrain : IParticipantGrain
{
    /// <summary>The committed stock level: never includes a prepared but undecided operation.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<long> GetStock();
}
