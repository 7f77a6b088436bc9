using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Serialization;
using OrleansTwoPc.Diagnostics;
using OrleansTwoPc.Faults;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Protocol;

namespace OrleansTwoPc.Participants;

/// <summary>
/// The grain shell every participant kind shares: loads state, hands messages to <see cref="ParticipantProtocol{TValue}"/>,
/// persists. Reentrant so that prepares arriving while a write is in flight share the next write (group commit);
/// the protocol keeps all state changes inside single turns.
/// </summary>
[Reentrant]
public abstract class ParticipantGrain<TValue> : Grain, IParticipantGrain, IParticipantInspectionGrain where TValue : new()
{
    private readonly IPersistentState<ParticipantState<TValue>> _storage;
    private readonly ParticipantRules<TValue> _rules;
    private ParticipantProtocol<TValue>? _protocol;
    private TimeSpan _decisionTimeout;
    private IGrainTimer? _decisionTimer;

    protected ParticipantGrain(IPersistentState<ParticipantState<TValue>> storage, ParticipantRules<TValue> rules)
    {
        _storage = storage;
        _rules = rules;
    }

    private ParticipantProtocol<TValue> Protocol => _protocol ?? throw new InvalidOperationException("grain not activated");

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var copier = ServiceProvider.GetRequiredService<DeepCopier>();
        var time = ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;
        // The protocol works on its own copy; each write persists a snapshot, so a slow write never races a later turn.
        var working = copier.Copy(_storage.State);
        // The silo's gauges of prepared records: what this activation holds, kept current as records come and go.
        var tracker = ServiceProvider.GetRequiredService<TwoPcInstruments>().Prepared;
        var self = this.GetGrainId().ToString();
        foreach (var (id, prepared) in working.Prepared)
        {
            tracker.Add(self, id, prepared.PreparedAt);
        }

        var options = ServiceProvider.GetRequiredService<IOptions<TwoPcOptions>>().Value;
        _protocol = new ParticipantProtocol<TValue>(this.GetPrimaryKeyString(), working, _rules, () => PersistAsync(copier, working), time, new ParticipantSettings
        {
            MaxPrepared = options.MaxPreparedPerParticipant,
            Retention = options.Retention,
            MaxClockSkew = options.MaxClockSkew,
            KeepTrail = options.KeepParticipantTrail,
            Faults = ServiceProvider.GetService<IFaultInjector>() ?? NoFaults.Instance,
            PreparedChanged = (id, preparedAt) =>
            {
                if (preparedAt is { } at)
                {
                    tracker.Add(self, id, at);
                }
                else
                {
                    tracker.Remove(self, id);
                }
            },
        });
        _protocol.PruneExpired(); // takes effect with the next write
        _decisionTimeout = options.DecisionTimeout;
        WatchPrepared();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        var tracker = ServiceProvider.GetRequiredService<TwoPcInstruments>().Prepared;
        var self = this.GetGrainId().ToString();
        foreach (var id in Protocol.State.Prepared.Keys)
        {
            tracker.Remove(self, id);
        }

        return Task.CompletedTask;
    }

    public async Task<Vote> Prepare(string operationId, long epoch, DateTimeOffset createdAt, ParticipantOperation operation)
    {
        var vote = await Guard(Protocol.PrepareAsync(operationId, epoch, createdAt, operation));
        WatchPrepared();
        return vote;
    }

    public Task Commit(string operationId, long epoch) => Guard(Protocol.CommitAsync(operationId, epoch));

    public Task<TransactionStatus> Abort(string operationId, long epoch) => Guard(Protocol.AbortAsync(operationId, epoch));

    public Task<Vote> CommitOnePhase(string operationId, long epoch, DateTimeOffset createdAt, ParticipantOperation operation) =>
        Guard(Protocol.CommitOnePhaseAsync(operationId, epoch, createdAt, operation));

    public Task Forget(string operationId)
    {
        Protocol.Forget(operationId);
        return Task.CompletedTask;
    }

    // Like every other answer, only once the changes it shows are durable, and never from an activation whose write
    // failed or whose state a broken rule left half changed (the chaos checker and operators act on what it shows).
    public Task<ParticipantSnapshot> Inspect(bool includeTrail) => Guard(Protocol.ReadAsync(_ => Snapshot(includeTrail)));

    private ParticipantSnapshot Snapshot(bool includeTrail)
    {
        var state = Protocol.State;
        return new ParticipantSnapshot
        {
            Kind = _rules.Kind,
            Key = this.GetPrimaryKeyString(),
            Value = Describe(state.Value),
            ValueJson = Json(state.Value),
            Prepared = state.Prepared.OrderBy(p => p.Value.PreparedAt)
                .Select(p => new PreparedEntry(p.Key, p.Value.Epoch, p.Value.Operation, p.Value.PreparedAt)).ToList(),
            Ended = includeTrail
                ? state.Ended.OrderBy(e => e.Value.EndedAt)
                    .Select(e => new EndedEntry(e.Key, e.Value.Committed, e.Value.Operation, e.Value.EndedAt)).ToList()
                : [],
            EndedCount = state.Ended.Count,
        };
    }

    // A kind's own description when its value type has one; else JSON, never just the type's name.
    private static string Describe(TValue value) =>
        value is null ? "" : value.GetType().GetMethod(nameof(ToString), Type.EmptyTypes)?.DeclaringType == typeof(object) ? Json(value) : value.ToString() ?? "";

    private static string Json(TValue value)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Serialize(value);
        }
        catch (NotSupportedException)
        {
            return "null";
        }
    }

    /// <summary>Reads the committed value; for the kind's query methods.</summary>
    protected Task<T> ReadAsync<T>(Func<TValue, T> read) => Guard(Protocol.ReadAsync(read));

    // While prepared records exist, a timer asks their coordinators for decisions that are overdue. It runs only
    // then, so thousands of idle participants cost nothing.
    private void WatchPrepared()
    {
        if (Protocol.State.Prepared.Count == 0 || _decisionTimer is not null)
        {
            return;
        }

        _decisionTimer = this.RegisterGrainTimer(ResolveStaleAsync, new GrainTimerCreationOptions
        {
            DueTime = _decisionTimeout,
            Period = _decisionTimeout,
            Interleave = true,
            KeepAlive = true,
        });
    }

    private async Task ResolveStaleAsync(CancellationToken cancellationToken)
    {
        var remaining = await Guard(Protocol.ResolveStaleAsync(_decisionTimeout,
            (id, createdAt) => GrainFactory.GetGrain<ITransactionCoordinatorGrain>(id).GetDecision(createdAt)));
        if (remaining == 0)
        {
            _decisionTimer?.Dispose();
            _decisionTimer = null;
        }
    }

    private async Task PersistAsync(DeepCopier copier, ParticipantState<TValue> working)
    {
        _storage.State = copier.Copy(working);
        await _storage.WriteStateAsync();
    }

    private async Task Guard(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is not InvalidRequestException)
        {
            // A failed write may or may not have landed, an ETag conflict means another activation owns the state, and
            // a broken invariant left a state that must never be written: either way this activation's memory is no
            // longer the truth, so it goes (the protocol refuses everything until then) and the next one reloads.
            // Bad input changed nothing and needs no reload.
            DeactivateOnIdle();
            throw;
        }
    }

    private async Task<T> Guard<T>(Task<T> task)
    {
        await Guard((Task)task);
        return await task;
    }
}
