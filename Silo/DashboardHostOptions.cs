namespace OrleansTwoPc.Silo;

/// <summary>
/// The Orleans Dashboard (Microsoft.Orleans.Dashboard): a web page with the cluster's silos, grain activations, call
/// rates and latencies. Bound from the <c>TwoPc:Dashboard</c> configuration section. It listens on the loopback
/// interface only (http://localhost:<see cref="Port"/>), never on other interfaces, and has no authentication: reach it
/// from another machine through an SSH tunnel. Enabling it adds a grain-call filter that profiles every call.
/// </summary>
public sealed class DashboardHostOptions
{
    public const string Section = "TwoPc:Dashboard";

    /// <summary>Whether this silo serves the dashboard. One silo per cluster is enough: it shows all of them. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>The HTTP port on the loopback interface; distinct per silo on one host. Default 8081 (8080 is the HTTP API's).</summary>
    public int Port { get; set; } = 8081;

    /// <summary>How often the dashboard samples its counters. At least 1 second. Default 1 second.</summary>
    public TimeSpan CounterUpdateInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many samples of history the charts keep. Default 100.</summary>
    public int HistoryLength { get; set; } = 100;

    /// <summary>
    /// Whether the live log stream (the dashboard's "Log Stream" page, every log line of the silo) is off. Default true:
    /// logs name accounts and operation ids, and the page has no authentication.
    /// </summary>
    public bool HideTrace { get; set; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Port, 1, nameof(Port));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535, nameof(Port));
        ArgumentOutOfRangeException.ThrowIfLessThan(CounterUpdateInterval, TimeSpan.FromSeconds(1), nameof(CounterUpdateInterval));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(CounterUpdateInterval, TimeSpan.FromMinutes(10), nameof(CounterUpdateInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(HistoryLength, 1, nameof(HistoryLength));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(HistoryLength, 10_000, nameof(HistoryLength));
    }
}
