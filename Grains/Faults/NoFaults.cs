namespace OrleansTwoPc.Faults;

/// <summary>The production injector: no faults.</summary>
internal sealed class NoFaults : IFaultInjector
{
    public static readonly NoFaults Instance = new();

    public ValueTask AtAsync(FaultPoint point, string operationId) => ValueTask.CompletedTask;
}
