using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;
using OrleansTwoPc.Diagnostics;
using OrleansTwoPc.Faults;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Recovery;
using OrleansTwoPc.Protocol;

namespace OrleansTwoPc.Coordinator;

/// <summary>
/// One transaction per operation id (the grain key). Thin: loads the record, hands calls to
/// <see cref="CoordinatorProtocol"/>, persists. Reentrant so that duplicates of a running operation join it and
/// status queries answer while it runs; the protocol allows only one driver. Placed on the silo the first call
/// arrives at (the client's gateway): an activation per transaction should not cost an extra hop or a placement
/// decision over cluster statistics.
/// </summary>
[Reentrant]
[PreferLocalPlacement]
[GrainType(GrainTypeName)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Disposed in OnDeactivateAsync, the end of a grain's life.")]
public sealed class TransactionCoordinatorGrain(
    [PersistentState(TransactionCoordinatorGrain.StateName, TwoPcStorage.Name)] IPersistentState<CoordinatorRecord> storage,
    CoordinatorServices services) : Grain, ITransactionCoordinatorGrain
{
    /// <summary>The coordinator's grain type; fixed, since stored records are keyed by it.</summary>
    public const string GrainTypeName = "twopc-coordinator";

    /// <summary>The coordinator record's state name: its rows' type in storage.</summary>
    public const string StateName = "coordinator";

    private readonly CancellationTokenSource _stopping = new();
    private CoordinatorProtocol? _protocol;
    private Task? _watched;

    private CoordinatorProtocol Protocol => _protocol ?? throw new InvalidOperationException("grain not activated");

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _protocol = new CoordinatorProtocol(this.GetPrimaryKeyString(), storage.State, storage.WriteStateAsync, services, _stopping.Token);
        // A record left unfinished by an earlier activation is finished now, without waiting for a caller.
        _protocol.Resume();
        Watch();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        _stopping.Dispose();
        return Task.CompletedTask;
    }

    public async Task<TransactionOutcome> Execute(TransactionRequest request)
    {
        var outcome = Protocol.ExecuteAsync(request);
        Watch();
        return await outcome;
    }

    public Task<TransactionOutcome> GetStatus() => Task.FromResult(Protocol.GetStatus());

    public async Task<TransactionOutcome> GetDecision(DateTimeOffset? createdAt)
    {
        var outcome = Protocol.GetDecisionAsync(createdAt);
        Watch();
        return await outcome;
    }

    public Task<CoordinatorSnapshot> Inspect() => Task.FromResult(Protocol.Inspect());

    public async Task<TransactionOutcome> AbortByOperator()
    {
        var outcome = Protocol.AbortByOperatorAsync();
        Watch();
        return await outcome;
    }

    /// <summary>
    /// What every coordinator of a silo shares (one per silo, not per activation: a coordinator lives for one
    /// operation id, so whatever it builds on activation is built once per transaction).
    /// </summary>
    internal static CoordinatorServices CreateServices(IServiceProvider services)
    {
        var grains = services.GetRequiredService<IGrainFactory>();
        var options = services.GetRequiredService<IOptions<TwoPcOptions>>().Value;
        var participants = new GrainReferences<IParticipantGrain>(grains);
        return new CoordinatorServices(
            participant => participants.Get(GrainId.Create(participant.Kind, participant.Key)),
            options,
            services.GetRequiredService<ParticipantKindRegistry>().ActionsByKind,
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<TransactionCoordinatorGrain>>())
        {
            Faults = services.GetRequiredService<IFaultInjector>(),
            Registry = new ShardedRecoveryRegistry(grains, options.RecoveryShards),
            Instruments = services.GetRequiredService<TwoPcInstruments>(),
        };
    }

    // If the driver fails (a write that may or may not have landed, or an ETag conflict), this activation's record
    // is no longer the truth: deactivate so the next call or recovery reads storage and resumes.
    private void Watch()
    {
        // One driver per activation; watch it once, however many callers joined it.
        if (Protocol.Driver is { } driver && !ReferenceEquals(driver, _watched))
        {
            _watched = driver;
            _ = driver.ContinueWith(
                _ => DeactivateOnIdle(), CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Current);
        }
    }
}
