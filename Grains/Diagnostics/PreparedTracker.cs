using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OrleansTwoPc.Diagnostics;

/// <summary>Counts prepared records across the participant activations of one silo, with the oldest's time.</summary>
public sealed class PreparedTracker
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Participant, string OperationId), DateTimeOffset> _records = [];

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _records.Count;
            }
        }
    }

    public void Add(string participant, string operationId, DateTimeOffset preparedAt)
    {
        lock (_lock)
        {
            _records[(participant, operationId)] = preparedAt;
        }
    }

    public void Remove(string participant, string operationId)
    {
        lock (_lock)
        {
            _records.Remove((participant, operationId));
        }
    }

    public TimeSpan OldestAge(TimeProvider time)
    {
        lock (_lock)
        {
            return _records.Count == 0 ? TimeSpan.Zero : time.GetUtcNow() - _records.Values.Min();
        }
    }
}
