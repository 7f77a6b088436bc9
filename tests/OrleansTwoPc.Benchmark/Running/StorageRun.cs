using System.Diagnostics;
using OrleansTwoPc.Benchmark.Cluster;
using OrleansTwoPc.Benchmark.Probes;
using OrleansTwoPc.Benchmark.Systems;
using OrleansTwoPc.Benchmark.Workloads;

namespace OrleansTwoPc.Benchmark.Running;

/// <summary>
/// Everything on one storage backend: a fresh cluster, funding, the no-op reference, then each workload's
/// concurrency levels with every system back to back (OrleansTwoPc, Orleans Transactions, the ceiling), so machine
/// noise hits all systems alike, and a money-conservation check after each ledger cell.
/// </summary>
public sealed class StorageRun(BenchOptions options, StorageScope scope, string storage, string runTag, string folder,
    Progress progress, MeterProbe meter)
{
    private readonly KeySpace keys = scope.Keys;

    /// <summary>Each account's starting balance: transfers move at most 300, so funds run short only by freak skew.</summary>
    public const long Funding = 1_000_000;

    private readonly List<CellResult> _cells = [];
    private readonly List<ConservationCheck> _checks = [];
    private readonly Dictionary<string, string> _descriptions = new(StringComparer.Ordinal);

    public async Task<StorageResult> RunAsync()
    {
        var clock = Stopwatch.StartNew();
        var log = new BenchLog(Path.Combine(folder, $"silo-warnings-{storage}{(progress.Point is { } point ? "-" + point.Replace(' ', '-') : "")}.log"));
        using var target = StorageTarget.Create(storage);
        var probe = new PhaseProbe();
        var orleansTxWrites = new StorageCounters();
        double startSeconds = 0, fundingSeconds = 0;
        var description = storage;
        string? error = null;
        var serviceId = $"bench-{runTag}-{storage}{(progress.Point is null ? "" : "-" + keys.Count + "-" + scope.Silos)}";
        try
        {
            await RunClusterAsync();
        }
        catch (Exception ex) when (ex is not UsageException)
        {
            error = $"{ex.GetType().Name}: {ex.Message}";
            progress.Line($"{storage}: FAILED: {error}");
        }
        finally
        {
            log.Close();
        }

        // After the cluster stopped: a shared PostgreSQL database keeps nothing of the run (a 10^6-account sweep point
        // alone leaves a gigabyte). A SQLite file is in a temporary folder that the target deletes.
        if (await target.DeleteRowsAsync(serviceId) is { } deleted)
        {
            progress.Line($"{storage}: deleted the run's {deleted:N0} rows (service id {serviceId})");
        }

        return new StorageResult
        {
            Storage = storage,
            Description = description,
            ClusterStartSeconds = startSeconds,
            FundingSeconds = fundingSeconds,
            Systems = _descriptions,
            Cells = _cells,
            Checks = _checks,
            SiloWarnings = log.TakeCounts(),
            Seconds = clock.Elapsed.TotalSeconds,
            Error = error,
            Accounts = keys.Count,
            Silos = scope.Silos,
            Warmed = scope.Warm,
        };

        async Task RunClusterAsync()
        {
            progress.Line($"{storage}: starting {scope.Silos} silo{(scope.Silos == 1 ? "" : "s")}");
            await using var cluster = await BenchCluster.StartAsync(target, probe, orleansTxWrites, log, serviceId, scope.Silos, scope.Calls);
            startSeconds = clock.Elapsed.TotalSeconds;
            description = await target.DescribeAsync();
            progress.Line($"{storage}: cluster up in {startSeconds:0.0} s; {description}");
            var systems = new Systems(cluster, keys, probe, runTag);
            var plan = scope.Groups;
            var orleansTx = scope.Runs("orleans-tx", storage) || scope.Runs("orleans-tx-naive", storage);
            await using var http = scope.Runs("twopc-http", storage)
                ? await TwoPcHttpSystem.StartAsync(cluster, systems.TwoPc, keys, runTag, log)
                : null;
            systems.Http = http;
            if (http is not null)
            {
                progress.Line($"{storage}: HTTP API up in each silo, answering");
            }

            foreach (var system in systems.All)
            {
                _descriptions[system.Name] = system.Description;
            }

            var books = new Dictionary<string, LedgerBook>(StringComparer.Ordinal)
            {
                ["twopc"] = new("twopc", keys, Funding),
                ["orleans-tx"] = new("orleans-tx", keys, Funding),
            };

            var funding = Stopwatch.StartNew();
            progress.Line($"{storage}: funding {keys.Count:N0} accounts x {Funding:N0} in {(orleansTx ? "each system" : "OrleansTwoPc")}");
            // OrleansTwoPc's storage group-commits concurrent writes (one database transaction per batch), so many writes in
            // flight load it in bulk. Orleans Transactions' plain ADO.NET storage on SQLite has one writer and no batching:
            // concurrent writes there only collide (and back off 150 ms), so it is loaded one write at a time.
            await systems.TwoPc.FundAsync(Funding, storage == "memory" ? 64 : 512);
            if (orleansTx)
            {
                await systems.OrleansTx.FundAsync(Funding, storage == "sqlite" ? 1 : 64);
            }

            fundingSeconds = funding.Elapsed.TotalSeconds;
            progress.Line($"{storage}: funded in {fundingSeconds:0.0} s ({keys.Count * (orleansTx ? 2 : 1) / fundingSeconds:N0} accounts/s)");
            if (scope.FullChecks)
            {
                await CheckAsync(books["twopc"], systems.TwoPc, "funding", all: true);
                if (orleansTx)
                {
                    await CheckAsync(books["orleans-tx"], systems.OrleansTx, "funding", all: true);
                }
            }

            if (scope.Warm)
            {
                await Task.WhenAll(systems.TwoPc.WarmAsync(), orleansTx ? systems.OrleansTx.WarmAsync() : Task.CompletedTask,
                    scope.Runs("floor", storage) ? systems.Floor.WarmAsync() : Task.CompletedTask);
                progress.Line($"{storage}: funded and activated every account in {funding.Elapsed.TotalSeconds:0.0} s");
            }
            else
            {
                progress.Line($"{storage}: accounts left cold (not activated): each cell activates what it touches");
            }

            foreach (var c in scope.Reference ? [1, Plan.Headline] : Array.Empty<int>())
            {
                await RunCellAsync(systems.NoOp, new Workload("noop", 0, Access.Uniform), c, null, probe, orleansTxWrites, cluster,
                    options.Warmup / 3, options.Duration / 2);
            }

            foreach (var group in plan)
            {
                foreach (var concurrency in group.Concurrency)
                {
                    foreach (var name in scope.Systems(group.Workload, storage))
                    {
                        var system = systems.Get(name, group.Workload);
                        var book = system is ILedgerSystem ledger ? books[ledger.Ledger] : null;
                        if (group.Workload.Replay && system is TwoPcReplaySystem)
                        {
                            await EnsureReplaysAsync(systems, books["twopc"], probe);
                        }

                        await RunCellAsync(system, group.Workload, concurrency, book, probe, orleansTxWrites, cluster);
                        if (system is ILedgerSystem ledgerSystem)
                        {
                            await CheckAsync(book!, ledgerSystem, $"{group.Workload.Name} c={concurrency}", all: false);
                        }
                        else if (system is TwoPcReplaySystem)
                        {
                            // Replays must change nothing: every account re-read.
                            await CheckAsync(books["twopc"], systems.TwoPc, $"{group.Workload.Name} c={concurrency}", all: true);
                        }
                    }
                }
            }

            // Above FullCheckLimit accounts the per-cell checks (touched accounts) are the run's checks.
            if (scope.FullChecks)
            {
                await CheckAsync(books["twopc"], systems.TwoPc, "the run (all accounts)", all: true);
                if (orleansTx)
                {
                    await CheckAsync(books["orleans-tx"], systems.OrleansTx, "the run (all accounts)", all: true);
                }
            }
        }
    }

    private async Task RunCellAsync(IBenchSystem system, Workload workload, int concurrency, LedgerBook? book, PhaseProbe probe,
        StorageCounters orleansTxWrites, BenchCluster cluster, TimeSpan? warmup = null, TimeSpan? duration = null)
    {
        var setup = new CellSetup(keys, system is CeilingSystem or NoOpSystem ? Workload.SingleWrite : workload, options.Seed,
            $"{workload.Name}/c{concurrency}", $"{workload.Name}-c{concurrency}", concurrency, warmup ?? options.Warmup,
            duration ?? options.Duration, book, options.JitSettle);
        var timed = system is TwoPcSystem;
        probe.Reset();
        probe.Timing = timed;
        long[] writesAtStart = [], writesAtEnd = [];
        long orleansTxAtStart = 0, orleansTxAtEnd = 0;
        HdrHistogram.LongHistogram? orleansTxLatency = null;
        IReadOnlyList<InstrumentStat> instruments = [];
        CallCounts? calls = null;
        var measurement = await CellRunner.RunAsync(system, setup,
            atMeasureStart: () =>
            {
                writesAtStart = probe.WriteCounts();
                orleansTxAtStart = orleansTxWrites.Writes;
                orleansTxWrites.TakeWriteLatency();
                meter.Collect();
                scope.Calls?.Take();
            },
            atMeasureEnd: () =>
            {
                writesAtEnd = probe.WriteCounts();
                orleansTxAtEnd = orleansTxWrites.Writes;
                orleansTxLatency = orleansTxWrites.TakeWriteLatency();
                instruments = meter.Collect();
                calls = scope.Calls?.Take();
            });
        var phases = timed ? probe.Collect(workload.Participants) : null;
        probe.Timing = false;

        var committed = Math.Max(1, measurement.Committed);
        IReadOnlyDictionary<string, double>? writes = system switch
        {
            TwoPcSystem or TwoPcHttpSystem or CeilingSystem or FloorSystem => PhaseProbe.WriteCounterNames
                .Select((name, i) => (name, perCommit: (writesAtEnd[i] - writesAtStart[i]) / (double)committed))
                .Where(w => w.perCommit > 0)
                .ToDictionary(w => w.name, w => Math.Round(w.perCommit, 3), StringComparer.Ordinal),
            OrleansTxSystem => new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["account"] = Math.Round((orleansTxAtEnd - orleansTxAtStart) / (double)committed, 3),
            },
            _ => null,
        };

        int? trail = null;
        if (system is TwoPcSystem)
        {
            var hottest = await cluster.Client.GetGrain<IParticipantInspectionGrain>(
                GrainId.Create(ParticipantKinds.Ledger, keys.Key(keys.Hottest))).Inspect(includeTrail: false);
            trail = hottest.EndedCount;
        }

        var completed = Math.Max(1, measurement.Committed + measurement.Aborted + measurement.Failed);
        var cell = new CellResult
        {
            Storage = storage,
            Workload = workload.Name,
            Participants = workload.Participants,
            Concurrency = concurrency,
            System = system.Name,
            MeasuredSeconds = measurement.MeasuredSeconds,
            Committed = measurement.Committed,
            Aborted = measurement.Aborted,
            Failed = measurement.Failed,
            Tps = measurement.Committed / measurement.MeasuredSeconds,
            AbortRate = measurement.Aborted / (double)completed,
            FailRate = measurement.Failed / (double)completed,
            Reasons = measurement.Reasons,
            Latency = LatencyStats.From(measurement.Latency),
            InnerLatency = measurement.Inner.TotalCount > 0 ? LatencyStats.From(measurement.Inner) : null,
            WritesPerCommit = writes,
            StorageWriteLatency = system is OrleansTxSystem && orleansTxLatency is { TotalCount: > 0 } ? LatencyStats.From(orleansTxLatency) : null,
            Phases = phases,
            Meter = instruments.Count > 0 ? instruments : null,
            HotAccountTrail = trail,
            CpuMsPerCommit = measurement.CpuSeconds * 1000 / committed,
            CpuShare = measurement.CpuSeconds / measurement.MeasuredSeconds / Environment.ProcessorCount,
            GcPauseShare = measurement.GcPauseSeconds / measurement.MeasuredSeconds,
            DrainSeconds = measurement.DrainSeconds,
            DrainTimedOut = measurement.DrainTimedOut,
            WarmupSeconds = measurement.WarmupSeconds,
            JitShareAtStart = measurement.JitShareAtStart,
            Accounts = keys.Count,
            Silos = scope.Silos,
            CallsPerCommit = calls is null ? null : Math.Round(calls.Total / (double)committed, 2),
            CallsByInterface = calls?.ByInterface.ToDictionary(p => p.Key, p => Math.Round(p.Value / (double)committed, 2), StringComparer.Ordinal),
            RemoteCallShare = calls?.RemoteShare,
            RemoteCallsPerCommit = calls is null ? null : Math.Round(calls.Remote / (double)committed, 2),
        };
        _cells.Add(cell);
        progress.Cell(cell);
    }

    private async Task CheckAsync(LedgerBook book, ILedgerSystem system, string after, bool all)
    {
        var check = await book.CheckAsync(system, after, all);
        _checks.Add(check);
        progress.Check(check);
    }

    /// <summary>The dedupe workload needs committed ids; without a transfer2-uniform group before it, make some now.</summary>
    private async Task EnsureReplaysAsync(Systems systems, LedgerBook book, PhaseProbe probe)
    {
        if (systems.TwoPc.Replays.Count >= 1000)
        {
            return;
        }

        progress.Line($"{storage}: committing transfers to retry later (dedupe-hit needs completed ids)");
        probe.Timing = false;
        var setup = new CellSetup(keys, Workload.Transfer2Uniform, options.Seed, "dedupe-seed", "dedupe-seed", Plan.Headline,
            TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(1), book);
        await CellRunner.RunAsync(systems.TwoPc, setup, null, null);
        await CheckAsync(book, systems.TwoPc, "dedupe seeding", all: false);
    }

    /// <summary>The systems of one cluster, by name.</summary>
    private sealed class Systems(BenchCluster cluster, KeySpace keys, PhaseProbe probe, string runTag)
    {
        public TwoPcSystem TwoPc { get; } = new(cluster, keys, probe, runTag);

        public OrleansTxSystem OrleansTx { get; } = new(cluster, keys, parallel: false);

        public OrleansTxSystem OrleansTxNaive { get; } = new(cluster, keys, parallel: true);

        public CeilingSystem Ceiling { get; } = new(cluster.Client, keys);

        public NoOpSystem NoOp { get; } = new(cluster.Client);

        public FloorSystem Floor { get; } = new(cluster.Client, keys, runTag);

        /// <summary>Through the HTTP API; null when no cell of this storage runs it (it starts a Kestrel per silo).</summary>
        public TwoPcHttpSystem? Http { get; set; }

        public IEnumerable<IBenchSystem> All => Http is null
            ? [TwoPc, OrleansTx, OrleansTxNaive, Ceiling, NoOp, Floor]
            : [TwoPc, Http, OrleansTx, OrleansTxNaive, Ceiling, NoOp, Floor];

        public IBenchSystem Get(string name, Workload workload) => name switch
        {
            "twopc" when workload.Replay => new TwoPcReplaySystem(TwoPc),
            "twopc" => TwoPc,
            "twopc-http" => Http ?? throw new InvalidOperationException("twopc-http was planned but its HTTP API was not started"),
            "orleans-tx" => OrleansTx,
            "orleans-tx-naive" => OrleansTxNaive,
            "ceiling" => Ceiling,
            "noop" => NoOp,
            "floor" => Floor,
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown system"),
        };
    }
}
