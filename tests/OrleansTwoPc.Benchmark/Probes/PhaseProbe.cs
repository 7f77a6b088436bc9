using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansTwoPc.Faults;

namespace OrleansTwoPc.Benchmark.Probes;

/// <summary>
/// Times OrleansTwoPc's protocol phases from inside the silos without touching the grains, through the two test
/// hooks AddTwoPc already has: the fault injector (called right after each durable protocol step) and the storage
/// fault policy (called as each write starts). It injects nothing. Timestamps are <see cref="Stopwatch"/> ticks of one
/// process (silos and client are in-process), so they compare directly with the client's.
/// </summary>
public sealed class PhaseProbe : IFaultInjector, IStorageFaultPolicy
{
    private const string CoordinatorState = "coordinator";
    private static readonly string[] CountedStates = ["coordinator", "ledger", "recovery", "ceiling", "floor-record", "floor-account"];

    private readonly ConcurrentDictionary<string, Timeline> _timelines = new(StringComparer.Ordinal);
    private readonly long[] _writes = new long[CountedStates.Length + 1];
    private volatile bool _timing;

    /// <summary>Names of the counters returned by <see cref="WriteCounts"/>: the grain state names, then "other".</summary>
    public static IReadOnlyList<string> WriteCounterNames { get; } = [.. CountedStates, "other"];

    /// <summary>Whether protocol steps are being timed (only during OrleansTwoPc cells).</summary>
    public bool Timing
    {
        get => _timing;
        set => _timing = value;
    }

    ValueTask IFaultInjector.AtAsync(FaultPoint point, string operationId)
    {
        if (_timing)
        {
            _timelines.GetOrAdd(operationId, static _ => new Timeline()).Mark(point, Stopwatch.GetTimestamp());
        }

        return ValueTask.CompletedTask;
    }

    StorageFault IStorageFaultPolicy.NextWrite(string grainType, GrainId grainId)
    {
        // AddTwoPc's decorator passes the grain state name here ("coordinator", "ledger", ...).
        var index = Array.IndexOf(CountedStates, grainType);
        Interlocked.Increment(ref _writes[index < 0 ? CountedStates.Length : index]);
        if (_timing && string.Equals(grainType, CoordinatorState, StringComparison.Ordinal))
        {
            _timelines.GetOrAdd(grainId.Key.ToString()!, static _ => new Timeline()).CoordinatorWrite(Stopwatch.GetTimestamp());
        }

        return StorageFault.None;
    }

    /// <summary>Storage writes so far through the <c>twopc</c> storage, per state name.</summary>
    public long[] WriteCounts() => Enumerable.Range(0, _writes.Length).Select(i => Interlocked.Read(ref _writes[i])).ToArray();

    /// <summary>The client's view of one measured operation: when it was sent and when the answer arrived.</summary>
    public void Client(string operationId, long start, long end)
    {
        if (_timelines.TryGetValue(operationId, out var timeline))
        {
            timeline.Client(start, end);
        }
    }

    /// <summary>Phase durations of the measured, committed two-phase operations since the last call; forgets them.</summary>
    public PhaseBreakdown Collect(int participants)
    {
        var phases = PhaseBreakdown.Names.ToDictionary(n => n, _ => new List<long>(), StringComparer.Ordinal);
        foreach (var timeline in _timelines.Values)
        {
            timeline.AddTo(phases, participants);
        }

        _timelines.Clear();
        return PhaseBreakdown.From(phases);
    }

    /// <summary>Drops recorded timelines without summarising them.</summary>
    public void Reset() => _timelines.Clear();

    private sealed class Timeline
    {
        private readonly long[] _coordinatorWrites = new long[4];
        private int _coordinatorWriteCount;
        private long _clientStart;
        private long _clientEnd;
        private long _recordWritten;
        private long _decisionWritten;
        private long _completed;
        private long _firstPrepared = long.MaxValue;
        private long _lastPrepared;
        private int _prepared;

        public void Mark(FaultPoint point, long now)
        {
            lock (this)
            {
                switch (point)
                {
                    case FaultPoint.CoordinatorRecordWritten:
                        _recordWritten = now;
                        break;
                    case FaultPoint.PrepareWritten:
                        _prepared++;
                        _firstPrepared = Math.Min(_firstPrepared, now);
                        _lastPrepared = Math.Max(_lastPrepared, now);
                        break;
                    case FaultPoint.DecisionWritten:
                        _decisionWritten = now;
                        break;
                    case FaultPoint.CompletionRecorded:
                        _completed = now;
                        break;
                    default:
                        break;
                }
            }
        }

        public void CoordinatorWrite(long now)
        {
            lock (this)
            {
                if (_coordinatorWriteCount < _coordinatorWrites.Length)
                {
                    _coordinatorWrites[_coordinatorWriteCount++] = now;
                }
            }
        }

        public void Client(long start, long end)
        {
            lock (this)
            {
                _clientStart = start;
                _clientEnd = end;
            }
        }

        public void AddTo(Dictionary<string, List<long>> phases, int participants)
        {
            lock (this)
            {
                // Only complete pictures: measured by the client, fresh (Begin, decision writes), every participant prepared.
                if (_clientStart == 0 || _coordinatorWriteCount < 2 || _recordWritten == 0 || _decisionWritten == 0
                    || _prepared != participants)
                {
                    return;
                }

                var begin = _coordinatorWrites[0];
                var decide = _coordinatorWrites[1];
                Add(phases, PhaseBreakdown.Activation, begin - _clientStart);
                Add(phases, PhaseBreakdown.BeginWrite, _recordWritten - begin);
                Add(phases, PhaseBreakdown.Prepare, _lastPrepared - _recordWritten);
                Add(phases, PhaseBreakdown.VoteReturn, decide - _lastPrepared);
                Add(phases, PhaseBreakdown.DecisionWrite, _decisionWritten - decide);
                Add(phases, PhaseBreakdown.Answer, _clientEnd - _decisionWritten);
                Add(phases, PhaseBreakdown.Total, _clientEnd - _clientStart);
                Add(phases, PhaseBreakdown.PrepareSpread, _lastPrepared - _firstPrepared);
                if (_completed > 0)
                {
                    Add(phases, PhaseBreakdown.Phase2, _completed - _decisionWritten);
                }
            }
        }

        private static void Add(Dictionary<string, List<long>> phases, string name, long ticks) =>
            phases[name].Add(Math.Max(0, ticks));
    }
}
