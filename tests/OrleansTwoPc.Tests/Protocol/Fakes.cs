using Microsoft.Extensions.Time.Testing;
using OrleansTwoPc.Participants;
using OrleansTwoPc.Protocol;

namespace OrleansTwoPc.Tests.Protocol;

/// <summary>
/// A fake durable write: counts writes, and lets a test make the next writes block (until the test releases them)
/// or fail. Writes with nothing queued complete synchronously, which keeps the protocols' flows synchronous and the
/// tests deterministic.
/// </summary>
internal sealed class FakeWrite
{
    private readonly Lock _lock = new();
    private readonly Queue<Func<Task>> _next = new();
    private int _started;
    private int _succeeded;

    /// <summary>Writes started (whatever their result).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _started;
            }
        }
    }

    /// <summary>Writes that completed successfully.</summary>
    public int Succeeded
    {
        get
        {
            lock (_lock)
            {
                return _succeeded;
            }
        }
    }

    /// <summary>Runs at the start of every write, e.g. to snapshot what is being written.</summary>
    public Action? OnWrite { get; set; }

    /// <summary>The next unqueued write waits until the returned source is completed (by the test).</summary>
    public TaskCompletionSource BlockNext()
    {
        // Continuations run inline on the releasing thread: releasing a write runs the protocol forward before
        // SetResult returns, so a test observes the effects without waiting or polling.
        var gate = new TaskCompletionSource();
        Enqueue(() => gate.Task);
        return gate;
    }

    /// <summary>The next unqueued write fails with <paramref name="error"/>.</summary>
    public void FailNext(Exception error) => Enqueue(() => Task.FromException(error));

    /// <summary>The next unqueued write succeeds at once (to queue behaviour after it).</summary>
    public void SucceedNext() => Enqueue(() => Task.CompletedTask);

    public Task WriteAsync()
    {
        Func<Task>? behaviour;
        lock (_lock)
        {
            _started++;
            _next.TryDequeue(out behaviour);
        }

        OnWrite?.Invoke();
        return behaviour is null ? Succeed() : Track(behaviour());
    }

    private Task Succeed()
    {
        lock (_lock)
        {
            _succeeded++;
        }

        return Task.CompletedTask;
    }

    private async Task Track(Task write)
    {
        await write;
        lock (_lock)
        {
            _succeeded++;
        }
    }

    private void Enqueue(Func<Task> behaviour)
    {
        lock (_lock)
        {
            _next.Enqueue(behaviour);
        }
    }
}

/// <summary>
/// An in-memory ledger participant: the real <see cref="ParticipantProtocol{TValue}"/> with <see cref="LedgerRules"/>
/// behind the grain interface, recording every call, with hooks to delay or fail messages.
/// </summary>
internal sealed class FakeParticipant : IParticipantGrain
{
    private readonly Lock _lock = new();
    private readonly List<string> _calls = [];

    /// <param name="keepTrail">Keep ended records after Forget (the coordinator tests look at them).</param>
    public FakeParticipant(ParticipantId id, long balance, TimeProvider time, bool keepTrail = true)
    {
        Id = id;
        Protocol = new ParticipantProtocol<LedgerAccount>(id.Key,
            new ParticipantState<LedgerAccount> { Value = new LedgerAccount { Balance = balance } },
            new LedgerRules(), Store.WriteAsync, time, new ParticipantSettings { KeepTrail = keepTrail });
    }

    public ParticipantId Id { get; }

    public FakeWrite Store { get; } = new();

    public ParticipantProtocol<LedgerAccount> Protocol { get; }

    public LedgerAccount Account => Protocol.State.Value;

    /// <summary>Called when a prepare arrives, before the protocol sees it.</summary>
    public Action<string, long>? OnPrepare { get; set; }

    /// <summary>When set, a prepare waits for this task before the protocol sees it (a slow or stuck participant).</summary>
    public Task? PrepareGate { get; set; }

    /// <summary>Same for a one-phase commit.</summary>
    public Task? CommitOnePhaseGate { get; set; }

    /// <summary>When set, a prepare runs (and becomes durable) but its answer is lost: the call fails with this.</summary>
    public Exception? LosePrepareReply { get; set; }

    /// <summary>When set, a one-phase commit runs (and becomes durable) but its answer is lost: the call fails with this.</summary>
    public Exception? LoseOnePhaseReply { get; set; }

    /// <summary>How many of the next commit messages fail before reaching the protocol.</summary>
    public int FailCommits { get; set; }

    /// <summary>Every call, as "prepare:op:epoch", "commit:op:epoch", "abort:op:epoch", "one-phase:op:epoch".</summary>
    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    public int CallsOf(string verb) => Calls.Count(c => c.StartsWith(verb + ":", StringComparison.Ordinal));

    public void ClearCalls()
    {
        lock (_lock)
        {
            _calls.Clear();
        }
    }

    public Task Forget(string operationId)
    {
        Record("forget", operationId, 0);
        Protocol.Forget(operationId);
        return Task.CompletedTask;
    }

    public Task<Vote> Prepare(string operationId, long epoch, DateTimeOffset createdAt, ParticipantOperation operation)
    {
        Record("prepare", operationId, epoch);
        CheckRouted(operation);
        OnPrepare?.Invoke(operationId, epoch);
        if (PrepareGate is { } gate)
        {
            return Gated(gate, () => PrepareWithReply(operationId, epoch, createdAt, operation));
        }

        return PrepareWithReply(operationId, epoch, createdAt, operation);
    }

    public Task Commit(string operationId, long epoch)
    {
        Record("commit", operationId, epoch);
        bool fail;
        lock (_lock)
        {
            fail = FailCommits > 0;
            if (fail)
            {
                FailCommits--;
            }
        }

        return fail
            ? Task.FromException(new IOException($"{Id}: commit message lost"))
            : Protocol.CommitAsync(operationId, epoch);
    }

    public Task<TransactionStatus> Abort(string operationId, long epoch)
    {
        Record("abort", operationId, epoch);
        return Protocol.AbortAsync(operationId, epoch);
    }

    public Task<Vote> CommitOnePhase(string operationId, long epoch, DateTimeOffset createdAt, ParticipantOperation operation)
    {
        Record("one-phase", operationId, epoch);
        CheckRouted(operation);
        if (CommitOnePhaseGate is { } gate)
        {
            return Gated(gate, () => CommitOnePhaseWithReply(operationId, epoch, createdAt, operation));
        }

        return CommitOnePhaseWithReply(operationId, epoch, createdAt, operation);
    }

    private async Task<Vote> CommitOnePhaseWithReply(string operationId, long epoch, DateTimeOffset createdAt, ParticipantOperation operation)
    {
        var vote = await Protocol.CommitOnePhaseAsync(operationId, epoch, createdAt, operation);
        if (LoseOnePhaseReply is { } lost)
        {
            throw lost;
        }

        return vote;
    }

    private static async Task<T> Gated<T>(Task gate, Func<Task<T>> then)
    {
        await gate;
        return await then();
    }

    private async Task<Vote> PrepareWithReply(string operationId, long epoch, DateTimeOffset createdAt, ParticipantOperation operation)
    {
        var vote = await Protocol.PrepareAsync(operationId, epoch, createdAt, operation);
        if (LosePrepareReply is { } lost)
        {
            throw lost;
        }

        return vote;
    }

    private void CheckRouted(ParticipantOperation operation)
    {
        if (operation.Participant != Id)
        {
            throw new InvalidOperationException($"{operation} routed to {Id}");
        }
    }

    private void Record(string verb, string operationId, long epoch)
    {
        lock (_lock)
        {
            _calls.Add($"{verb}:{operationId}:{epoch}");
        }
    }
}

/// <summary>Test helpers for awaiting without hanging a broken test forever.</summary>
internal static class Wait
{
    /// <summary>Real-time guard: a test whose task never completes fails instead of hanging the run.</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Guard);

    public static Task Within(this Task task) => task.WaitAsync(Guard);

    /// <summary>The instant every <see cref="NewClock"/> starts at; tests date their operation ids with it.</summary>
    public static readonly DateTimeOffset Start = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>A clock at a fixed, recognisable instant.</summary>
    public static FakeTimeProvider NewClock() => new(Start);
}
