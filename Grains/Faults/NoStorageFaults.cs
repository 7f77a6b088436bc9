using Orleans.Storage;

namespace OrleansTwoPc.Faults;

/// <summary>The production policy: never.</summary>
internal sealed class NoStorageFaults : IStorageFaultPolicy
{
    public StorageFault NextWrite(string grainType, GrainId grainId) => StorageFault.None;
}
