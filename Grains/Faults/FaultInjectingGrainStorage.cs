using Orleans.Storage;

namespace OrleansTwoPc.Faults;

/// <summary>What to do to one storage write.</summary>
public enum StorageFault
{
    None,

    /// <summary>Throw before the write reaches storage: nothing landed.</summary>
    FailBeforeWrite,

    /// <summary>Let the write land, then throw: the caller cannot tell it landed.</summary>
    FailAfterWrite,
}

/// <summary>Decides, per write, whether <see cref="FaultInjectingGrainStorage"/> injects a fault.</summary>
public interface IStorageFaultPolicy
{
    StorageFault NextWrite(string grainType, GrainId grainId);
}

/// <summary>The production policy: never.</summary>
public sealed class NoStorageFaults : IStorageFaultPolicy
{
    public StorageFault NextWrite(string grainType, GrainId grainId) => StorageFault.None;
}

/// <summary>Thrown by <see cref="FaultInjectingGrainStorage"/>; a stand-in for a database or network error.</summary>
[GenerateSerializer, Alias("twopc.injected-storage-fault")]
public sealed class InjectedStorageFaultException : Exception
{
    public InjectedStorageFaultException(string message) : base(message)
    {
    }

    public InjectedStorageFaultException() : this("injected storage fault")
    {
    }

    public InjectedStorageFaultException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// Wraps the real grain storage and fails chosen writes before or after they land, the two cases a protocol must
/// survive: a write that did not happen and one that happened but was reported failed.
/// </summary>
public sealed class FaultInjectingGrainStorage(IGrainStorage inner, IStorageFaultPolicy policy) : IGrainStorage
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
