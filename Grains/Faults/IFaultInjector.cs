namespace OrleansTwoPc.Faults;

/// <summary>
/// Called at every <see cref="FaultPoint"/>. The default does nothing and completes synchronously, so production pays
/// one interface call per point. Tests register an injector that signals and blocks, or throws.
/// </summary>
internal interface IFaultInjector
{
    ValueTask AtAsync(FaultPoint point, string operationId);
}
