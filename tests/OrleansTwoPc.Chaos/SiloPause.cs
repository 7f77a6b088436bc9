using Microsoft.Extensions.DependencyInjection;

namespace OrleansTwoPc.Chaos;

/// <summary>
/// One silo's SIGSTOP, in process: while paused, everything that would need the silo's process to run waits here —
/// calls into it (its grains and system targets) and their answers, calls out of it, its grain storage and its
/// membership table; and the other silos' calls to its system targets, membership probes included (Orleans answers
/// a probe in the connection, before any filter of the probed silo, so the probing silo holds it), so the others
/// declare it dead. Timers still fire, but their work stops at the first of these. When it resumes, whatever waited
/// goes on at once, as after SIGCONT: held calls run on activations the cluster has meanwhile re-activated elsewhere,
/// held writes meet the ETags of the newer activations. Its membership table resumes a moment later (a seeded lag
/// the caller chooses), when the silo learns it was declared dead and the test host's fatal error handler stops it:
/// until then it runs as a zombie. Registered once per silo; the fault loop finds it in the silo's services.
/// </summary>
public sealed class SiloPause(SiloAddress silo)
{
    private TaskCompletionSource? _paused;
    private TaskCompletionSource? _membershipPaused;
    private int _held;

    public SiloAddress Silo => silo;

    public bool IsPaused => Volatile.Read(ref _paused) is not null;

    /// <summary>Calls, writes and membership operations that waited for a resume, over every pause of this silo.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Completes at once while running; while paused, when the pause ends.</summary>
    public Task WaitAsync() => Wait(ref _paused);

    /// <summary>Like <see cref="WaitAsync"/>, for the membership table, which resumes after the rest.</summary>
    public Task WaitMembershipAsync() => Wait(ref _membershipPaused);

    public void Pause()
    {
        Interlocked.CompareExchange(ref _membershipPaused, NewGate(), null);
        Interlocked.CompareExchange(ref _paused, NewGate(), null);
    }

    /// <summary>Resumes calls and storage now, and the membership table after <paramref name="membershipLag"/>.</summary>
    public async Task ResumeAsync(TimeSpan membershipLag)
    {
        Interlocked.Exchange(ref _paused, null)?.TrySetResult();
        await Task.Delay(membershipLag);
        Interlocked.Exchange(ref _membershipPaused, null)?.TrySetResult();
    }

    private Task Wait(ref TaskCompletionSource? gate)
    {
        var paused = Volatile.Read(ref gate);
        if (paused is null)
        {
            return Task.CompletedTask;
        }

        Interlocked.Increment(ref _held);
        return paused.Task;
    }

    private static TaskCompletionSource NewGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Every silo's pause gate, by silo address, shared by the whole in-process cluster (replacements included).</summary>
public sealed class SiloPauses
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<SiloAddress, SiloPause> _bySilo = new();

    /// <summary>The gate of the silo whose services are <paramref name="services"/>, created on first use.</summary>
    public SiloPause For(IServiceProvider services)
    {
        var silo = services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        return _bySilo.GetOrAdd(silo, s => new SiloPause(s));
    }

    /// <summary>The gate of a system target's silo, when <paramref name="target"/> is one; null for grains.</summary>
    public SiloPause? Of(GrainId target) =>
        SystemTargetGrainId.TryParse(target, out var systemTarget) && _bySilo.TryGetValue(systemTarget.GetSiloAddress(), out var gate) ? gate : null;
}
