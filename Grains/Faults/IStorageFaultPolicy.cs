using Orleans.Storage;

namespace OrleansTwoPc.Faults;

/// <summary>Decides, per write, whether <see cref="FaultInjectingGrainStorage"/> injects a fault.</summary>
internal interface IStorageFaultPolicy
{
    StorageFault NextWrite(string grainType, GrainId grainId);
}
