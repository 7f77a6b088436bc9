using Orleans.Storage;

namespace OrleansTwoPc.Faults;

/// <summary>Thrown by <see cref="FaultInjectingGrainStorage"/>; a stand-in for a database or network error.</summary>
[GenerateSerializer, Alias("twopc.injected-storage-fault")]
internal sealed class InjectedStorageFaultException : Exception
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
