using Orleans.Storage;

namespace OrleansTwoPc.Faults;

/// <summary>
/// Wraps the real grain storage and fails chosen writes before or after they land, the two cases a protocol must
/// survive: a write that did not happen and one that happened but was reported failed.
/// </summary>
internal sealed class FaultInjectingGrainStorage(IGrainStorage inner, IStorageFaultPolicy policy) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var fault = policy.NextWrite(stateName, grainId);
        if (fault == StorageFault.FailBeforeWrite)
        {
            throw new InjectedStorageFaultException($"injected: write of {grainId} failed before it landed");
        }

        await inner.WriteStateAsync(stateName, grainId, grainState);
        if (fault == StorageFault.FailAfterWrite)
        {
            throw new InjectedStorageFaultException($"injected: write of {grainId} landed, then failed");
        }
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);
}
