using Orleans.Runtime;
using OrleansTwoPc.Faults;

namespace OrleansTwoPc.Tests.Cluster;

/// <summary>
/// Shared by every silo of a test cluster: the first time <see cref="Point"/> is reached for <see cref="OperationId"/>,
/// the grain there stops and the test learns which silo it is on; the test then kills a silo and, if the stopped grain
/// survived, releases it.
/// </summary>
internal sealed class FaultPlan
{
    private readonly TaskCompletionSource<SiloAddress> _hit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _fired;

    public FaultPoint? Point { get; set; }

    public string? OperationId { get; set; }

    /// <summary>The silo where the point was reached.</summary>
    public Task<SiloAddress> Hit => _hit.Task;

    public void Release() => _release.TrySetResult();

    internal Task AtAsync(FaultPoint point, string operationId, SiloAddress silo)
    {
        if (point != Point || operationId != OperationId || Interlocked.Exchange(ref _fired, 1) == 1)
        {
            return Task.CompletedTask;
        }

        _hit.TrySetResult(silo);
        return _release.Task;
    }
}

/// <summary>The per-silo injector that consults the shared plan.</summary>
internal sealed class PlannedFaults(FaultPlan plan, ILocalSiloDetails silo) : IFaultInjector
{
    public ValueTask AtAsync(FaultPoint point, string operationId) =>
        new(plan.AtAsync(point, operationId, silo.SiloAddress));
}
