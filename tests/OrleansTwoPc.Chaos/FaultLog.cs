using System.Globalization;

namespace OrleansTwoPc.Chaos;

/// <summary>
/// The faults an external caller injected, read from the file it appended one line per fault to:
/// <c>&lt;unix ms&gt; kill &lt;anything&gt;</c>, <c>&lt;unix ms&gt; pause &lt;anything&gt;</c> (a SIGSTOP; its SIGCONT is
/// a <c>resume</c> line), <c>&lt;unix ms&gt; postgres-stop</c>, <c>&lt;unix ms&gt; postgres-start</c>.
/// Other lines are ignored. A missing file (or none given) means no faults were reported.
/// </summary>
public sealed record FaultLog(IReadOnlyList<DateTimeOffset> Kills, IReadOnlyList<(DateTimeOffset Stopped, DateTimeOffset? Started)> Outages)
{
    public IReadOnlyList<DateTimeOffset> Pauses { get; init; } = [];

    public static FaultLog Read(string? path)
    {
        var kills = new List<DateTimeOffset>();
        var pauses = new List<DateTimeOffset>();
        var outages = new List<(DateTimeOffset Stopped, DateTimeOffset? Started)>();
        if (path is null || !File.Exists(path))
        {
            return new FaultLog(kills, outages);
        }

        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                continue;
            }

            var at = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            switch (parts[1])
            {
                case "kill":
                    kills.Add(at);
                    break;
                case "pause":
                    pauses.Add(at);
                    break;
                case "postgres-stop":
                    outages.Add((at, null));
                    break;
                case "postgres-start" when outages.Count > 0 && outages[^1].Started is null:
                    outages[^1] = (outages[^1].Stopped, at);
                    break;
            }
        }

        return new FaultLog(kills, outages) { Pauses = pauses };
    }
}
