using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OrleansTwoPc.Diagnostics;

/// <summary>
/// The product's one meter (<c>OrleansTwoPc</c>) and one activity source. Instruments are made from
/// <see cref="IMeterFactory"/> so each host (and each test silo) gets its own; names are lower-case and dotted.
/// </summary>
public sealed class TwoPcInstruments : IDisposable
{
    public const string MeterName = "OrleansTwoPc";

    /// <summary>Spans: one per protocol phase, tagged with the operation id.</summary>
    public static readonly ActivitySource ActivitySource = new(MeterName);

    private readonly Meter _meter;

    public TwoPcInstruments(IMeterFactory meters)
        : this(meters.Create(MeterName))
    {
    }

    private TwoPcInstruments(Meter meter)
    {
        _meter = meter;
        Started = meter.CreateCounter<long>("twopc.transactions.started", "{transaction}", "Transactions that began executing");
        Committed = meter.CreateCounter<long>("twopc.transactions.committed", "{transaction}", "Transactions decided commit");
        Aborted = meter.CreateCounter<long>("twopc.transactions.aborted", "{transaction}", "Transactions decided abort, by reason code");
        DedupeHits = meter.CreateCounter<long>("twopc.dedupe.hits", "{request}", "Requests answered from a stored outcome");
        DedupeJoins = meter.CreateCounter<long>("twopc.dedupe.joins", "{request}", "Duplicate requests that joined an execution in flight");
        DedupeConflicts = meter.CreateCounter<long>("twopc.dedupe.conflicts", "{request}", "Requests refused: the id ran with another request");
        Recoveries = meter.CreateCounter<long>("twopc.recovery.actions", "{action}", "Recovery actions, by kind");
        RetentionDeleted = meter.CreateCounter<long>("twopc.retention.deleted", "{record}", "Expired operation records deleted");
        PhaseDuration = meter.CreateHistogram<double>("twopc.phase.duration", "ms", "Time per protocol phase");
        WriteBatchSize = meter.CreateHistogram<int>("twopc.storage.batch_size", "{write}", "Grain-state writes committed in one database transaction");
        meter.CreateObservableGauge("twopc.prepared.outstanding", () => Prepared.Count, "{record}",
            "Prepared records held by participants on this silo");
        meter.CreateObservableGauge("twopc.prepared.oldest_age", () => Prepared.OldestAge(TimeProvider.System).TotalSeconds, "s",
            "Age of the oldest prepared record on this silo");
    }

    /// <summary>Instruments no listener sees: for unit tests and tools.</summary>
    public static TwoPcInstruments Unobserved { get; } = new(new Meter(MeterName + ".unobserved"));

    public Counter<long> Started { get; }
    public Counter<long> Committed { get; }
    public Counter<long> Aborted { get; }
    public Counter<long> DedupeHits { get; }
    public Counter<long> DedupeJoins { get; }
    public Counter<long> DedupeConflicts { get; }
    public Counter<long> Recoveries { get; }
    public Counter<long> RetentionDeleted { get; }
    public Histogram<double> PhaseDuration { get; }
    public Histogram<int> WriteBatchSize { get; }

    /// <summary>Prepared records of the participants on this silo, for the gauges.</summary>
    public PreparedTracker Prepared { get; } = new();

    /// <summary>Records a phase's duration and ends its span.</summary>
    public void EndPhase(string phase, long startTimestamp, Activity? span)
    {
        PhaseDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds, new KeyValuePair<string, object?>("phase", phase));
        span?.Dispose();
    }

    /// <summary>Starts a phase: a span (when anyone listens) and a timestamp.</summary>
    public static (long Start, Activity? Span) StartPhase(string phase, string operationId)
    {
        var span = ActivitySource.StartActivity("twopc." + phase);
        span?.SetTag("twopc.operation_id", operationId);
        return (Stopwatch.GetTimestamp(), span);
    }

    public void Dispose() => _meter.Dispose();
}
