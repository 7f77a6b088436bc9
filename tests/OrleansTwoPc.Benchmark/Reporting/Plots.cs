using OrleansTwoPc.Benchmark.Running;
using OrleansTwoPc.Benchmark.Workloads;
using ScottPlot;

namespace OrleansTwoPc.Benchmark.Reporting;

/// <summary>PNG plots: throughput against concurrency, and latency percentile spectra at the headline concurrency.</summary>
public static class Plots
{
    private static readonly string[] LatencySystems = ["twopc", "twopc-http", "orleans-tx", "orleans-tx-naive", "ceiling"];

    /// <summary>Writes every plot for one storage; returns (title, file name) pairs.</summary>
    public static IReadOnlyList<(string Title, string File)> Write(StorageResult storage, string folder)
    {
        var files = new List<(string, string)>();
        foreach (var workload in Workload.All.Where(w => !w.Replay))
        {
            var cells = storage.Cells.Where(c => c.Workload == workload.Name).ToList();
            if (cells.Count == 0)
            {
                continue;
            }

            var throughput = $"throughput-{storage.Storage}-{workload.Name}.png";
            Throughput(storage, workload, cells, Path.Combine(folder, throughput));
            files.Add(($"{storage.Storage} {workload.Name}: throughput vs concurrency", throughput));

            var concurrency = cells.Any(c => c.Concurrency == Plan.Headline) ? Plan.Headline : cells.Max(c => c.Concurrency);
            var latency = $"latency-{storage.Storage}-{workload.Name}-c{concurrency}.png";
            Latency(storage, workload, cells.Where(c => c.Concurrency == concurrency).ToList(), concurrency, Path.Combine(folder, latency));
            files.Add(($"{storage.Storage} {workload.Name}: latency distribution at concurrency {concurrency}", latency));
        }

        return files;
    }

    private static void Throughput(StorageResult storage, Workload workload, List<CellResult> cells, string path)
    {
        var plot = new Plot();
        var levels = cells.Select(c => c.Concurrency).Distinct().Order().ToArray();
        double X(int c) => Math.Log2(c);
        foreach (var system in new[] { "twopc", "twopc-http", "orleans-tx", "orleans-tx-naive", "floor" })
        {
            var points = cells.Where(c => c.System == system).OrderBy(c => c.Concurrency).ToList();
            if (points.Count > 0)
            {
                var series = plot.Add.Scatter(points.Select(p => X(p.Concurrency)).ToArray(), points.Select(p => p.Tps).ToArray());
                series.LegendText = system;
                series.MarkerSize = 8;
            }
        }

        var ceiling = cells.Where(c => c.System == "ceiling").OrderBy(c => c.Concurrency).ToList();
        if (ceiling.Count > 0)
        {
            var bound = plot.Add.Scatter(ceiling.Select(p => X(p.Concurrency)).ToArray(),
                ceiling.Select(p => p.Tps / (workload.Participants + 1)).ToArray());
            bound.LegendText = $"storage bound: ceiling writes/s / {workload.Participants + 1}";
            bound.LinePattern = LinePattern.Dashed;
            bound.MarkerSize = 5;
        }

        plot.Axes.Bottom.SetTicks(levels.Select(X).ToArray(), levels.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        var top = cells.Max(c => c.System == "ceiling" ? c.Tps / (workload.Participants + 1) : c.Tps);
        plot.Axes.SetLimits(X(levels[0]) - 0.5, X(levels[^1]) + 0.5, 0, Math.Max(1, top * 1.15));
        plot.Title($"{workload.Name} on {storage.Storage}: committed tx/s");
        plot.XLabel("concurrent client loops");
        plot.YLabel("transactions per second");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 900, 560);
    }

    private static void Latency(StorageResult storage, Workload workload, List<CellResult> cells, int concurrency, string path)
    {
        var plot = new Plot();
        // x = -log10(1 - p): 0 is the median's left end, 1 = 90 %, 2 = 99 %, 3 = 99.9 %.
        static double X(double percentile) => -Math.Log10(1 - Math.Min(percentile, 99.99) / 100);
        foreach (var system in LatencySystems)
        {
            var cell = cells.FirstOrDefault(c => c.System == system);
            var spectrum = system == "ceiling" ? cell?.InnerLatency?.Spectrum : cell?.Latency.Spectrum;
            if (spectrum is null || spectrum.Count == 0)
            {
                continue;
            }

            var series = plot.Add.Scatter(spectrum.Select(p => X(p[0])).ToArray(), spectrum.Select(p => Math.Log10(Math.Max(p[1], 0.01))).ToArray());
            series.LegendText = system == "ceiling" ? "ceiling (one storage write)" : system;
            series.MarkerSize = 0;
            series.LineWidth = 2;
        }

        plot.Axes.Bottom.SetTicks([0, X(50), 1, 2, 3, 4], ["0%", "50%", "90%", "99%", "99.9%", "99.99%"]);
        var decades = Enumerable.Range(-2, 7).Select(e => (double)e).ToArray();
        plot.Axes.Left.SetTicks(decades, decades.Select(d => Math.Pow(10, d).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.Title($"{workload.Name} on {storage.Storage}, {concurrency} client loops: latency by percentile");
        plot.XLabel("percentile");
        plot.YLabel("latency (ms, log scale)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 900, 560);
    }
}
