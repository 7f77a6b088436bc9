using System.Diagnostics.Metrics;

namespace OrleansTwoPc.Benchmark.Probes;

/// <summary>One instrument's measurements during a cell.</summary>
public sealed record InstrumentStat(string Name, string? Unit, int Count, double Mean, double P50, double P99);

/// <summary>
/// Listens to the <c>OrleansTwoPc</c> meter (phase durations, dedupe counters, storage batch sizes) and keeps each
/// instrument's measurements per cell for results.json.
/// </summary>
public sealed class MeterProbe : IDisposable
{
    public const string MeterName = "OrleansTwoPc";
    private const int MaxSamples = 200_000;

    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<Instrument, List<double>> _samples = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public MeterProbe()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName)
            {
                lock (_lock)
                {
                    _seen.Add(instrument.Name);
                }

                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((i, v, _, _) => Record(i, v));
        _listener.SetMeasurementEventCallback<float>((i, v, _, _) => Record(i, v));
        _listener.SetMeasurementEventCallback<long>((i, v, _, _) => Record(i, v));
        _listener.SetMeasurementEventCallback<int>((i, v, _, _) => Record(i, v));
        _listener.Start();
    }

    /// <summary>Instruments of the meter seen so far, by name.</summary>
    public IReadOnlyList<string> Instruments
    {
        get
        {
            lock (_lock)
            {
                return _seen.Order(StringComparer.Ordinal).ToList();
            }
        }
    }

    /// <summary>Measurements since the last call, per instrument; forgets them.</summary>
    public IReadOnlyList<InstrumentStat> Collect()
    {
        lock (_lock)
        {
            var stats = _samples.Select(pair =>
            {
                var values = pair.Value;
                values.Sort();
                return new InstrumentStat(pair.Key.Name, pair.Key.Unit, values.Count, values.Average(),
                    values[(int)(0.5 * (values.Count - 1))], values[(int)(0.99 * (values.Count - 1))]);
            }).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
            _samples.Clear();
            return stats;
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value)
    {
        lock (_lock)
        {
            if (!_samples.TryGetValue(instrument, out var list))
            {
                _samples[instrument] = list = [];
            }

            if (list.Count < MaxSamples)
            {
                list.Add(value);
            }
        }
    }
}
