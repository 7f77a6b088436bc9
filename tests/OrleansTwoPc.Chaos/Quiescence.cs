using System.Diagnostics;
using System.Globalization;
using OrleansTwoPc.Client;

namespace OrleansTwoPc.Chaos;

/// <summary>What the cluster says once it has settled: every id's status and every participant's durable state.</summary>
public sealed record FinalState(
    IReadOnlyDictionary<string, TransactionOutcome> Statuses,
    IReadOnlyDictionary<ParticipantId, ParticipantSnapshot> Participants,
    IReadOnlyDictionary<ParticipantId, long> CommittedValues,
    bool Settled,
    TimeSpan WaitedFor)
{
    /// <summary>The numbers in a snapshot's value text, e.g. <c>balance=70 held=0 incoming=0</c>.</summary>
    public static IReadOnlyDictionary<string, long> Fields(ParticipantSnapshot snapshot) => snapshot.Value
        .Split(' ', StringSplitOptions.RemoveEmptyEntries)
        .Select(part => part.Split('=', 2))
        .Where(kv => kv.Length == 2 && long.TryParse(kv[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        .ToDictionary(kv => kv[0], kv => long.Parse(kv[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
}

/// <summary>
/// After the faults: polls (bounded) until every submitted id's coordinator reports completed and no participant
/// holds a prepared record. A status query activates the coordinator, and activation resumes an unfinished record,
/// so polling also drives recovery. Then reads the final state through storage: every participant and coordinator
/// is deactivated first (by <paramref name="deactivate"/>: in process the test cluster deactivates each grain, an
/// external cluster collects every idle activation), so what is checked is what was durable, not what some
/// activation held in memory.
/// </summary>
/// <param name="client">A client of the cluster to settle.</param>
/// <param name="deactivate">Deactivates the given grains (or more), so the next call reads them from storage.</param>
/// <param name="output">Progress lines.</param>
public sealed class Quiescence(IClusterClient client, Func<IReadOnlyList<GrainId>, Task> deactivate, TextWriter output)
{
    private const int Parallelism = 16;

    private readonly TransactionClient _status = new(client, new TransactionClientOptions { Deadline = TimeSpan.FromSeconds(10) });

    /// <param name="ids">Every operation id any client submitted.</param>
    /// <param name="participants">Every participant any request named (and the fixed universe).</param>
    public async Task<FinalState> SettleAsync(IReadOnlyCollection<string> ids, IReadOnlyList<ParticipantId> participants, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var done = new Dictionary<string, TransactionOutcome>(StringComparer.Ordinal);
        var settled = false;
        while (true)
        {
            var pending = ids.Where(id => !done.ContainsKey(id)).ToList();
            foreach (var (id, outcome) in await StatusesAsync(pending))
            {
                // Unknown: no record was ever written (the request never ran), so there is nothing left to finish.
                if (outcome is { IsCompleted: true } or { Status: TransactionStatus.Unknown })
                {
                    done[id] = outcome;
                }
            }

            var prepared = (await SnapshotsAsync(participants, includeTrail: false)).Values.Sum(s => s.Prepared.Count);
            var open = ids.Count - done.Count;
            if (open == 0 && prepared == 0)
            {
                settled = true;
                break;
            }

            if (clock.Elapsed > timeout)
            {
                break;
            }

            output.WriteLine($"  settling: {open} ids not completed, {prepared} prepared records ({clock.Elapsed.TotalSeconds:0}s)");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        var waited = clock.Elapsed;
        await deactivate(ids.Select(id => client.GetGrain<ITransactionCoordinatorGrain>(id).GetGrainId())
            .Concat(participants.Select(p => GrainId.Create(p.Kind, p.Key))).ToList());
        var statuses = await StatusesAsync(ids.ToList());
        var snapshots = await SnapshotsAsync(participants, includeTrail: true);
        var values = new Dictionary<ParticipantId, long>();
        foreach (var participant in snapshots.Keys)
        {
            values[participant] = await PatientlyAsync(() => participant.Kind == ParticipantKinds.Ledger
                ? client.GetGrain<ILedgerGrain>(participant.Key).GetBalance()
                : client.GetGrain<IInventoryGrain>(participant.Key).GetStock());
        }

        return new FinalState(statuses, snapshots, values, settled, waited);
    }

    /// <summary>Each id's status; an id whose status could not be read is left out (the checker counts it as stuck).</summary>
    private async Task<Dictionary<string, TransactionOutcome>> StatusesAsync(List<string> ids)
    {
        var results = new TransactionOutcome?[ids.Count];
        await Parallel.ForAsync(0, ids.Count, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, cancellationToken) =>
        {
            try
            {
                results[i] = await _status.GetStatusAsync(ids[i], cancellationToken);
            }
            catch (OutcomeUnknownException)
            {
                results[i] = null;
            }
        });
        return Enumerable.Range(0, ids.Count).Where(i => results[i] is not null)
            .ToDictionary(i => ids[i], i => results[i]!, StringComparer.Ordinal);
    }

    private async Task<Dictionary<ParticipantId, ParticipantSnapshot>> SnapshotsAsync(IReadOnlyList<ParticipantId> participants, bool includeTrail)
    {
        var result = new Dictionary<ParticipantId, ParticipantSnapshot>();
        foreach (var participant in participants)
        {
            var grain = client.GetGrain<IParticipantInspectionGrain>(GrainId.Create(participant.Kind, participant.Key));
            result[participant] = await PatientlyAsync(() => grain.Inspect(includeTrail));
        }

        return result;
    }

    /// <summary>Retries a call a few times, pausing 1, 2, 3, 4 s: one call can still hit a silo the client has not yet seen die.</summary>
    public static async Task<T> PatientlyAsync<T>(Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception) when (attempt < 5)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
        }
    }
}
