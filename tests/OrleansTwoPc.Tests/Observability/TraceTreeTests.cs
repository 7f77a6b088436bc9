using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansTwoPc.Tests.Cluster;

namespace OrleansTwoPc.Tests.Observability;

/// <summary>
/// One trace per transaction: the caller's span (<c>twopc.client.execute</c>) is the root; Orleans' grain-call spans
/// (activity propagation on, silos and client) carry it to the coordinator, whose server span is the parent of every
/// protocol phase, and the phases are the parents of the participant calls, on whichever silo each participant lives.
/// Collected with an <see cref="ActivityListener"/> in a 2-silo test cluster.
/// </summary>
public sealed class TraceTreeTests
{
    [Fact]
    public async Task A_transfer_is_one_tree_from_the_callers_span_through_the_coordinator_to_each_participant_across_silos()
    {
        using var spans = new SpanCollector();
        await using var cluster = await TwoPcCluster.StartAsync(silos: 2,
            configureSilo: silo => silo.AddActivityPropagation(), configureClient: client => client.AddActivityPropagation());

        // Placement is random: transfer until one has a participant on the other silo than its coordinator.
        string id;
        var attempt = 0;
        do
        {
            id = OperationIds.New($"trace{attempt++}");
            await cluster.Transactions.ExecuteAsync(id, TransactionRequest.Deposit($"{id}-a", 10));
            await cluster.Transactions.ExecuteAsync(id + "-t", TransactionRequest.Transfer($"{id}-a", $"{id}-b", 3).Dated());
            id += "-t";
            await cluster.Transactions.WaitCompletedAsync(id);
        }
        while (!await SpreadAsync(cluster, id) && attempt < 20);
        Assert.True(await SpreadAsync(cluster, id), "no transfer had a participant on another silo than its coordinator in 20 tries");

        var root = Assert.Single(await spans.WaitForAsync(s => s.OperationName == "twopc.client.execute" && (string?)s.GetTagItem("twopc.operation_id") == id));
        var tree = await spans.TreeAsync(root.TraceId, s => s.OperationName == "twopc.complete");
        Assert.All(tree.Values.Where(s => s != root), s => Assert.True(tree.ContainsKey(s.ParentSpanId),
            $"span {s.OperationName} ({s.Source.Name}) has a parent outside the trace"));

        var coordinator = Assert.Single(tree.Values, s => s.Kind == ActivityKind.Server && Method(s) == "Execute");
        Assert.True(IsAncestor(tree, root, coordinator), "the caller's span is the coordinator's ancestor");
        foreach (var phase in new[] { "twopc.begin", "twopc.prepare", "twopc.decide", "twopc.commit", "twopc.complete" })
        {
            var span = Assert.Single(tree.Values, s => s.OperationName == phase);
            Assert.True(IsAncestor(tree, coordinator, span), $"{phase} is under the coordinator's span");
        }

        var prepare = tree.Values.Single(s => s.OperationName == "twopc.prepare");
        var commit = tree.Values.Single(s => s.OperationName == "twopc.commit");
        var prepares = tree.Values.Where(s => s.Kind == ActivityKind.Server && Method(s) == "Prepare").ToList();
        var commits = tree.Values.Where(s => s.Kind == ActivityKind.Server && Method(s) == "Commit").ToList();
        Assert.Equal(2, prepares.Count);
        Assert.Equal(2, commits.Count);
        Assert.All(prepares, s => Assert.True(IsAncestor(tree, prepare, s), "each participant's prepare is under twopc.prepare"));
        Assert.All(commits, s => Assert.True(IsAncestor(tree, commit, s), "each participant's commit is under twopc.commit"));
    }

    // Orleans names a call "Namespace.IInterface/Method".
    private static string? Method(Activity span) => (span.GetTagItem("rpc.method") as string)?.Split('/')[^1];

    private static bool IsAncestor(IReadOnlyDictionary<ActivitySpanId, Activity> tree, Activity ancestor, Activity span)
    {
        for (var at = span; tree.TryGetValue(at.ParentSpanId, out var parent); at = parent)
        {
            if (parent == ancestor)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<bool> SpreadAsync(TwoPcCluster cluster, string id)
    {
        var coordinator = await cluster.HostOfAsync(cluster.Coordinator(id).GetGrainId());
        var a = await cluster.HostOfAsync(cluster.Ledger($"{id[..^2]}-a").GetGrainId());
        var b = await cluster.HostOfAsync(cluster.Ledger($"{id[..^2]}-b").GetGrainId());
        return coordinator is not null && (a != coordinator || b != coordinator);
    }

    /// <summary>Every stopped activity of the service's and Orleans' sources, in this process.</summary>
    private sealed class SpanCollector : IDisposable
    {
        private readonly ConcurrentQueue<Activity> _spans = new();
        private readonly ActivityListener _listener;

        public SpanCollector()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "OrleansTwoPc" || source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal),
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _spans.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public async Task<IReadOnlyList<Activity>> WaitForAsync(Func<Activity, bool> match)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (!_spans.Any(match))
            {
                await Task.Delay(20, timeout.Token);
            }

            return [.. _spans.Where(match)];
        }

        /// <summary>The spans of one trace, by span id, once one matching <paramref name="last"/> has stopped.</summary>
        public async Task<IReadOnlyDictionary<ActivitySpanId, Activity>> TreeAsync(ActivityTraceId trace, Func<Activity, bool> last)
        {
            await WaitForAsync(s => s.TraceId == trace && last(s));
            return _spans.Where(s => s.TraceId == trace).ToDictionary(s => s.SpanId);
        }

        public void Dispose() => _listener.Dispose();
    }
}
