using System.Text;
using OrleansTwoPc.Benchmark.Cluster;
using OrleansTwoPc.Benchmark.Probes;
using OrleansTwoPc.Benchmark.Running;
using OrleansTwoPc.Benchmark.Workloads;

namespace OrleansTwoPc.Benchmark.Reporting;

/// <summary>report.md: headline, per-storage tables, conservation, where OrleansTwoPc's time goes, the latency model.</summary>
public static class MarkdownReport
{
    public static string Build(RunResult run, IReadOnlyDictionary<string, IReadOnlyList<(string Title, string File)>> plots)
    {
        var md = new StringBuilder();
        md.AppendLine($"# OrleansTwoPc benchmark, {run.StartedAt:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine($"`{run.Command}` on {run.Machine}. {(run.Options.Quick ? "Quick mode" : "Full mode")}: " +
            $"{run.Options.Warmup.TotalSeconds:0.##} s warm-up + {run.Options.Duration.TotalSeconds:0.##} s measured per cell, " +
            $"{run.Accounts:N0} accounts per system funded with {run.FundingPerAccount:N0} each, seed {run.Options.Seed}, " +
            $"total run time {run.TotalSeconds:0} s. OrleansTwoPc measured: {run.Code}.");
        md.AppendLine();
        md.AppendLine("Both systems run on the same 2-silo in-process cluster and the same storage backend, one cell after the other " +
            "(OrleansTwoPc, Orleans Transactions, storage ceiling, then the next concurrency), on the same seeded key sequence. " +
            "The machine is shared (2 cores, other builds and tests running): absolute numbers are noisy, ratios within one run are the signal.");
        md.AppendLine();

        Headlines(md, run);
        HttpPath(md, run);
        foreach (var storage in run.Storages)
        {
            StorageSection(md, storage, plots.GetValueOrDefault(storage.Storage) ?? []);
        }

        Conservation(md, run);
        TimeBreakdown(md, run);
        LatencyModel(md, run);
        Dedupe(md, run);
        Hooks(md, run);
        Method(md, run);
        return md.ToString();
    }

    private static void Headlines(StringBuilder md, RunResult run)
    {
        md.AppendLine($"## Headline (concurrency {Plan.Headline})");
        md.AppendLine();
        md.AppendLine("ratio = OrleansTwoPc tx/s / Orleans Transactions tx/s (expert variant: account calls in ascending key order); " +
            "efficiency = OrleansTwoPc tx/s x (participants + 1) / ceiling writes/s at the same concurrency, the share of the storage's plain " +
            "write rate that the minimum forced writes of 2PC (one per participant plus the decision) would use; \"vs best\" divides by the highest " +
            "ceiling measured on that storage at any concurrency. Above 1 means the ceiling cell was not a ceiling: on SQLite 64 plain writers " +
            "collide and back off more than OrleansTwoPc's group-committed writes do. floor = the architecture's floor (uniform workloads): " +
            "a coordinator grain per operation id, one prepare call and forced write per account, one decision write, unforced commits, and " +
            "nothing that makes it correct under faults; floor / Orleans Tx is the highest ratio any design of that shape could show here.");
        md.AppendLine();
        md.AppendLine("| storage | workload | OrleansTwoPc tx/s | Orleans Tx tx/s | ratio | OrleansTwoPc p99 ms | Orleans Tx p99 ms | ceiling writes/s | efficiency (vs best) | floor tx/s | floor / Orleans Tx | OrleansTwoPc / floor | aborts twopc / otx | money |");
        md.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
        foreach (var h in run.Storages.SelectMany(s => Headline.All(s, headlineOnly: true)))
        {
            md.AppendLine($"| {h.Storage} | {h.Workload.Name} | {N(h.TwoPc?.Tps)} | {(h.Workload.Replay ? "n/a (no equivalent)" : N(h.OrleansTx?.Tps))} | " +
                $"{Headline.F(h.Ratio, "0.00")} | {Headline.F(h.TwoPc?.Latency.P99Ms, "0.0")} | {Headline.F(h.OrleansTx?.Latency.P99Ms, "0.0")} | " +
                $"{N(h.Ceiling?.Tps)} | {Headline.F(h.Efficiency, "0.00")} ({Headline.F(h.EfficiencyBest, "0.00")}) | {N(h.Floor?.Tps)} | " +
                $"{Headline.F(h.FloorRatio, "0.00")} | {Headline.F(h.OfFloor, "0.00")} | {P(h.TwoPc?.AbortRate)} / {P(h.OrleansTx?.AbortRate)} | " +
                $"{(h.Conserved is null ? "n/a" : h.Conserved.Value ? "conserved" : "**NOT conserved**")} |");
        }

        md.AppendLine();
        md.AppendLine("```");
        foreach (var line in run.ResultLines)
        {
            md.AppendLine(line);
        }

        md.AppendLine("```");
        md.AppendLine();
    }

    private static void HttpPath(StringBuilder md, RunResult run)
    {
        if (run.HttpPath.Count == 0)
        {
            return;
        }

        md.AppendLine("## HTTP path: what the HTTP API costs over the Orleans client");
        md.AppendLine();
        md.AppendLine("twopc-http runs twopc's transfers through the HTTP API instead of `TransactionClient`: each one `POST /transactions` with a " +
            "fresh UUIDv7 operation id as `Idempotency-Key`, sent by one pooled `HttpClient` (HTTP/1.1 keep-alive) to a real Kestrel on 127.0.0.1 " +
            "in each silo (`MapTwoPc`, calling through that silo's grain factory as the silo host does; client loops alternate between the two), " +
            "answered with the outcome, which the benchmark checks (a 202 is retried with the same key). It runs right after the twopc cell on the " +
            "same key sequence and accounts, and money is checked after it. http_over_client = twopc tx/s / twopc-http tx/s (1 = HTTP costs " +
            "nothing; 1.25 = the client path ran 25 % faster). CPU is the whole process per committed transaction, so the HTTP cell's figure " +
            "holds both ends of each request (HttpClient and Kestrel) as well as the silos.");
        md.AppendLine();
        md.AppendLine("| storage | workload | loops | twopc tx/s | twopc-http tx/s | http_over_client | p50 ms twopc / http | p99 ms twopc / http | CPU ms per tx twopc / http (extra) | http aborted / failed |");
        md.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|---|");
        foreach (var h in run.HttpPath)
        {
            var reasons = string.Join(", ", h.TwopcHttpReasons.OrderByDescending(r => r.Value).Take(3).Select(r => $"{r.Key} x{r.Value}"));
            md.AppendLine($"| {h.Storage} | {h.Workload} | {h.Concurrency} | {N(h.TwopcTps)} | {N(h.TwopcHttpTps)} | **{Headline.F(h.HttpOverClient, "0.00")}** | " +
                $"{h.TwopcP50Ms:0.0} / {h.TwopcHttpP50Ms:0.0} | {h.TwopcP99Ms:0.0} / {h.TwopcHttpP99Ms:0.0} | " +
                $"{h.TwopcCpuMsPerTx:0.000} / {h.TwopcHttpCpuMsPerTx:0.000} ({h.HttpCpuMsExtra:+0.000;-0.000}) | {h.TwopcHttpAborted} / {h.TwopcHttpFailed}{(reasons.Length > 0 ? $" ({reasons})" : "")} |");
        }

        md.AppendLine();
    }

    private static void StorageSection(StringBuilder md, StorageResult storage, IReadOnlyList<(string Title, string File)> plots)
    {
        md.AppendLine($"## {storage.Storage}");
        md.AppendLine();
        md.AppendLine($"{storage.Description}. Cluster start {storage.ClusterStartSeconds:0.0} s, funding {storage.FundingSeconds:0.0} s, " +
            $"storage total {storage.Seconds:0} s.");
        if (storage.Error is not null)
        {
            md.AppendLine();
            md.AppendLine($"**This storage's run failed:** {storage.Error}");
        }

        md.AppendLine();
        var noop = storage.Cells.Where(c => c.System == "noop" && c.Workload == "noop").ToList();
        if (noop.Count > 0)
        {
            md.AppendLine("No-op grain call (d): " + string.Join("; ", noop.Select(c =>
                $"{c.Concurrency} loops: {c.Tps:N0} calls/s, p50 {c.Latency.P50Ms:0.00} ms, p99 {c.Latency.P99Ms:0.00} ms")) + ".");
            md.AppendLine();
        }

        foreach (var workload in Workload.All)
        {
            var cells = storage.Cells.Where(c => c.Workload == workload.Name).OrderBy(c => c.Concurrency).ToList();
            if (cells.Count == 0)
            {
                continue;
            }

            md.AppendLine($"### {storage.Storage} / {workload.Name}");
            md.AppendLine();
            md.AppendLine("| loops | system | tx/s | aborts | failed | p50 ms | p95 ms | p99 ms | p99.9 ms | max ms | storage writes per commit | CPU ms per commit (process share of cores) | abort / failure reasons |");
            md.AppendLine("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|---|");
            foreach (var c in cells)
            {
                var writes = c.WritesPerCommit is null ? "" : string.Join(", ", c.WritesPerCommit.Select(w => $"{w.Key} {w.Value:0.##}"));
                var reasons = string.Join(", ", c.Reasons.OrderByDescending(r => r.Value).Take(3).Select(r => $"{r.Key} x{r.Value}"));
                var latency = c.System == "ceiling" && c.InnerLatency is { } inner
                    ? $"{c.Latency.P50Ms:0.0} | {c.Latency.P95Ms:0.0} | {c.Latency.P99Ms:0.0} (write alone {inner.P99Ms:0.0}) | {c.Latency.P999Ms:0.0} | {c.Latency.MaxMs:0.0}"
                    : $"{c.Latency.P50Ms:0.0} | {c.Latency.P95Ms:0.0} | {c.Latency.P99Ms:0.0} | {c.Latency.P999Ms:0.0} | {c.Latency.MaxMs:0.0}";
                if (c.Committed + c.Aborted + c.Failed == 0)
                {
                    md.AppendLine($"| {c.Concurrency} | {c.System} | 0 | nothing completed inside the measured window; in flight ended {c.DrainSeconds:0.0} s later | | | | | | | | | |");
                    continue;
                }

                md.AppendLine($"| {c.Concurrency} | {c.System} | {N(c.Tps)} | {P(c.AbortRate)} | {c.Failed} | {latency} | {writes} | " +
                    $"{c.CpuMsPerCommit:0.00} ({c.CpuShare:P0}) | {reasons}{(c.DrainTimedOut ? " (drain timed out)" : "")} |");
            }

            md.AppendLine();
        }

        foreach (var (title, file) in plots)
        {
            md.AppendLine($"![{title}]({file})");
            md.AppendLine();
        }

        if (storage.SiloWarnings.Count > 0)
        {
            md.AppendLine($"Silo warnings during this storage's run (full text in `silo-warnings-{storage.Storage}.log`): " +
                string.Join(", ", storage.SiloWarnings.Take(6).Select(w => $"{w.Key} x{w.Value}")) + ".");
            md.AppendLine();
        }
    }

    private static void Conservation(StringBuilder md, RunResult run)
    {
        md.AppendLine("## Money conservation");
        md.AppendLine();
        var checks = run.Storages.SelectMany(s => s.Checks.Select(c => (s.Storage, Check: c))).ToList();
        var failed = checks.Where(c => !c.Check.Conserved).ToList();
        md.AppendLine($"{checks.Count} checks, {(failed.Count == 0 ? "all conserved" : $"**{failed.Count} NOT conserved**")}. After every ledger cell " +
            "the accounts touched since the last check are re-read from grain storage (the durable committed balances; the other accounts cannot " +
            "have changed) and the sum of all balances must equal accounts x funding, with no negative balance and no account still holding an " +
            "undecided or unconfirmed transaction; after funding, after each dedupe-hit cell and at the end every account is read. Both systems " +
            "answer before every participant has durably applied the transfer (OrleansTwoPc's phase 2, Orleans Transactions' confirmation), so " +
            "reads repeat until the sum matches and every account is settled (\"settled after\"; at most 20 s). Storage is read directly because an " +
            "Orleans Transactions read is itself a transaction that writes every account it reads (10,000 writes for a full check).");
        md.AppendLine();
        md.AppendLine("| storage | ledger | after | accounts read | sum of balances | expected | result | settled after ms |");
        md.AppendLine("|---|---|---|--:|--:|--:|---|--:|");
        foreach (var (storage, c) in checks)
        {
            md.AppendLine($"| {storage} | {c.Ledger} | {c.After} | {c.AccountsRead:N0} | {c.Actual:N0} | {c.Expected:N0} | " +
                $"{(c.Conserved ? "conserved" : $"**NOT conserved** ({c.NegativeBalances} negative, {c.Unsettled} unsettled)")} | {c.SettleMs:0} |");
        }

        md.AppendLine();
    }

    private static void TimeBreakdown(StringBuilder md, RunResult run)
    {
        md.AppendLine("## Where OrleansTwoPc's time goes");
        md.AppendLine();
        foreach (var storage in run.Storages)
        {
            Analysis(md, storage);
        }

        md.AppendLine("Measured from inside the silos without changing the grains: the benchmark registers its own `IFaultInjector` " +
            "(called right after each durable protocol step) and `IStorageFaultPolicy` (called as each write starts); both inject nothing " +
            "and only take timestamps, which compare directly with the client's (one process). Committed two-phase transactions of the " +
            "measured window only. \"share\" is the phase's mean over the mean total.");
        md.AppendLine();
        foreach (var storage in run.Storages)
        {
            foreach (var cell in storage.Cells.Where(c => c.System == "twopc" && c.Phases is { Phases.Count: > 0 }))
            {
                var total = cell.Phases![PhaseBreakdown.Total]?.MeanMs ?? 0;
                md.AppendLine($"**{storage.Storage} / {cell.Workload} / {cell.Concurrency} loops** ({cell.Tps:N0} tx/s, " +
                    $"{cell.Phases[PhaseBreakdown.Total]?.Count ?? 0:N0} transactions timed; writes per commit: " +
                    $"{string.Join(", ", cell.WritesPerCommit?.Select(w => $"{w.Key} {w.Value:0.##}") ?? [])}; " +
                    $"hottest account's ended-record trail after the cell: {cell.HotAccountTrail:N0})");
                md.AppendLine();
                md.AppendLine("| phase | on caller's path | mean ms | p50 ms | p99 ms | share | what it is |");
                md.AppendLine("|---|---|--:|--:|--:|--:|---|");
                foreach (var p in cell.Phases.Phases)
                {
                    var share = p.OnCallerPath && p.Name != PhaseBreakdown.Total && total > 0 ? $"{p.MeanMs / total:P0}" : "";
                    md.AppendLine($"| {p.Name} | {(p.OnCallerPath ? "yes" : "no")} | {p.MeanMs:0.00} | {p.P50Ms:0.00} | {p.P99Ms:0.00} | {share} | {p.Meaning} |");
                }

                md.AppendLine();
            }
        }

        md.AppendLine("Storage writes per committed transaction come from the same storage hook: `coordinator` (Begin, decision, Completed: 3), " +
            "`ledger` (each participant's prepared record and ended record; group commit lets one write cover several operations on a busy " +
            "account, so this can be below 2 x participants), `recovery` (the registry shard write, shared by concurrent registrations). " +
            "The textbook minimum is participants + 1 forced writes; the writes after the decision are off the caller's path but still use the " +
            "storage's write capacity, which is why efficiency stays well below 1 when the storage is the bottleneck.");
        md.AppendLine();
    }

    /// <summary>The numbers behind "what limits OrleansTwoPc" for one storage, at the headline transfer2-uniform cell.</summary>
    private static void Analysis(StringBuilder md, StorageResult storage)
    {
        var h = Headline.All(storage, headlineOnly: true).FirstOrDefault(x => x.Workload == Workload.Transfer2Uniform);
        if (h?.TwoPc is not { } twopc || h.OrleansTx is not { } otx || h.Ceiling is not { } ceiling)
        {
            return;
        }

        var writes = twopc.WritesPerCommit?.Values.Sum() ?? 0;
        var otxWrites = otx.WritesPerCommit?.Values.Sum() ?? 0;
        var phases = twopc.Phases?.Phases.Where(p => p.OnCallerPath && p.Name != PhaseBreakdown.Total).OrderByDescending(p => p.MeanMs).Take(2).ToList() ?? [];
        var total = twopc.Phases?[PhaseBreakdown.Total]?.MeanMs ?? twopc.Latency.MeanMs;
        md.AppendLine($"**{storage.Storage}, transfer2-uniform, {h.Concurrency} loops.** OrleansTwoPc {twopc.Tps:N0} tx/s against Orleans Transactions " +
            $"{otx.Tps:N0} (ratio {Headline.F(h.Ratio, "0.00")}). Per committed transaction OrleansTwoPc made {writes:0.0} storage writes " +
            $"({string.Join(", ", twopc.WritesPerCommit?.Select(w => $"{w.Key} {w.Value:0.##}") ?? [])}) against Orleans Transactions' {otxWrites:0.0}, " +
            $"and the process spent {twopc.CpuMsPerCommit:0.00} ms of CPU against {otx.CpuMsPerCommit:0.00} ms (a plain write: {ceiling.CpuMsPerCommit:0.00} ms). " +
            $"OrleansTwoPc's cell wrote {twopc.Tps * writes:N0} times per second; the ceiling cell managed {ceiling.Tps:N0} plain writes per second at the same " +
            $"concurrency. The process used {twopc.CpuShare:P0} of the machine's cores during the OrleansTwoPc cell " +
            $"({otx.CpuShare:P0} for Orleans Transactions, {ceiling.CpuShare:P0} for the ceiling). Largest phases on the caller's path: " +
            string.Join(", ", phases.Select(p => $"{p.Name} {p.MeanMs:0.0} ms ({p.MeanMs / total:P0} of the mean)")) + ". " +
            $"The garbage collector paused the process for {twopc.GcPauseShare:P1} of the window ({otx.GcPauseShare:P1} for Orleans Transactions).");
        md.AppendLine();
        if (h.Floor is { } floor)
        {
            var floorWrites = floor.WritesPerCommit?.Values.Sum() ?? 0;
            md.AppendLine($"The architecture's floor (the bare pattern with no fault tolerance, see Method) ran {floor.Tps:N0} tx/s, " +
                $"{Headline.F(h.FloorRatio, "0.00")} x Orleans Transactions, with {floorWrites:0.0} writes and {floor.CpuMsPerCommit:0.00} ms of CPU per " +
                $"transaction; OrleansTwoPc keeps {Headline.F(h.OfFloor, "0.00")} of it. What OrleansTwoPc does beyond the floor is what makes it correct: " +
                "the Begin record and recovery-registry entry (recovery without the caller, dedupe of in-flight ids), durable commits at the " +
                "participants and the Completed record (so ended records can be forgotten safely), validation and fingerprints, timeouts, epochs.");
            md.AppendLine();
        }
        // Phases that contain no storage write at all: time there is waiting for a turn or a thread, not for the disk.
        var hops = new[] { PhaseBreakdown.VoteReturn, PhaseBreakdown.Answer }.Select(n => twopc.Phases?[n]).OfType<PhaseStat>().ToList();
        var decision = twopc.Phases?[PhaseBreakdown.DecisionWrite];
        if (hops.Count == 2 && decision is not null)
        {
            md.AppendLine($"Message hops without any write took {hops[0].P50Ms:0.0} ms (vote back) and {hops[1].P50Ms:0.0} ms (answer to the client) at the median, " +
                $"against {decision.P50Ms:0.00} ms for the decision write itself: when these hops are long, transactions are waiting for a grain turn or " +
                "a thread-pool thread (shared by both silos and the client), not for storage. " +
                (twopc.Phases?[PhaseBreakdown.PrepareSpread] is { } spread
                    ? $"The two participants' prepared records became durable {spread.P50Ms:0.0} ms apart at the median ({spread.P99Ms:0.0} ms at p99)."
                    : ""));
            md.AppendLine();
        }
    }

    private static void LatencyModel(StringBuilder md, RunResult run)
    {
        md.AppendLine("## Measured latency against the folk model L = 2d + 2t, T = 1/L");
        md.AppendLine();
        md.AppendLine("d = round trip of a no-op grain call from the client (p50, measured with 1 and 64 loops; in-process, so no network); " +
            "t = the ceiling's storage write timed inside the grain (p50) at the same concurrency, with the share of writes that took 150 ms or more " +
            "(on SQLite: a lock wait, see below); L measured = OrleansTwoPc's client latency; Little's law T = loops / mean L.");
        md.AppendLine();
        md.AppendLine("| storage | workload | loops | d ms | t ms (writes >= 150 ms) | folk L = 2d+2t | 2d+3t | L p50 | L mean | folk T = 1/L | Little: loops / L mean | measured T |");
        md.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var storage in run.Storages)
        {
            var d1 = storage.Cell("noop", 1, "noop")?.Latency.P50Ms;
            var d64 = storage.Cell("noop", Plan.Headline, "noop")?.Latency.P50Ms;
            foreach (var h in Headline.All(storage, headlineOnly: false).Where(h => !h.Workload.Replay && h.TwoPc is not null))
            {
                var d = h.Concurrency >= Plan.Headline ? d64 ?? d1 : d1 ?? d64;
                var t = h.Ceiling?.InnerLatency?.P50Ms;
                if (d is null || t is null)
                {
                    continue;
                }

                var folk = (2 * d.Value) + (2 * t.Value);
                var product = (2 * d.Value) + (3 * t.Value);
                var mean = h.TwoPc!.Latency.MeanMs;
                md.AppendLine($"| {storage.Storage} | {h.Workload.Name} | {h.Concurrency} | {d:0.000} | {t:0.00} ({h.Ceiling!.InnerLatency!.AtLeast150MsShare:P0}) | " +
                    $"{folk:0.00} | {product:0.00} | {h.TwoPc.Latency.P50Ms:0.0} | {mean:0.0} | {1000 / folk:N0} | " +
                    $"{(mean > 0 ? h.Concurrency * 1000 / mean : 0):N0} | {h.TwoPc.Tps:N0} |");
            }
        }

        md.AppendLine();
        md.AppendLine("Why the measured numbers differ from the folk model:");
        md.AppendLine();
        md.AppendLine("- **The caller is answered once the decision is durable.** Phase 2 (commit messages, the participants' ended-record writes, " +
            "the Completed write) is not in L; it shows up as the `phase2` row above, as lock-hold and visibility time, and as write load.");
        md.AppendLine("- **OrleansTwoPc has three sequential durable writes on the caller's path, not two**: the Begin record (written before any " +
            "prepare, with the recovery-registry entry in parallel, so that recovery and deduplication never depend on the caller), the " +
            "slowest participant's prepared record, and the decision. Textbook presumed abort skips the Begin write. Before those, every " +
            "transaction activates a fresh coordinator grain, whose state load is one storage read (`call+activate`). Hence the 2d + 3t + read column.");
        md.AppendLine("- **Fan-out takes the maximum over participants.** The prepare phase ends with the slowest participant's write, including " +
            "queueing behind other transactions' writes on a busy account (group commit shares one write per batch, but a newcomer waits for " +
            "the write in flight to finish first). `prepare-spread` shows the tail this adds; transfer4 pays the max of four.");
        md.AppendLine("- **Queueing.** With many loops, t is not the unloaded write time: each write queues behind the others, so the t column is " +
            "measured at the cell's concurrency, and the p50 hides the tail. On SQLite (one writer) Microsoft.Data.Sqlite answers a busy database " +
            "with a blocking `Thread.Sleep(150)` and a retry, so a write that meets another write waits at least 150 ms while holding a thread-pool " +
            "thread that both silos and the client share; latencies cluster at multiples of 150 ms and the writer count, not the disk, sets the rate. " +
            "Grain turns also queue for CPU on a 2-core machine that hosts both silos and the client (see the CPU share column).");
        md.AppendLine("- **Throughput is concurrency / latency (Little's law), not 1/L.** 1/L is what one client loop can do; with 64 loops in " +
            "flight the system's throughput is about 64 / L until the storage's write rate (divided by the writes per transaction) caps it, " +
            "after which more loops only lengthen L. The Little column matches the measured T; the folk T does not. (Little's law needs a " +
            "steady state: when the latency approaches the measured window, as on a loaded SQLite in quick mode, the window's few completions " +
            "under-count T and the two columns drift apart; the same boundary effect inflates writes per commit there.)");
        md.AppendLine();
    }

    private static void Dedupe(StringBuilder md, RunResult run)
    {
        var cells = run.Storages.SelectMany(s => s.Cells).Where(c => c.Workload == Workload.DedupeHit.Name).ToList();
        if (cells.Count == 0)
        {
            return;
        }

        md.AppendLine("## Dedupe hit: retries of completed operation ids");
        md.AppendLine();
        md.AppendLine("Each call retries an operation id that already committed, with the same request; the coordinator answers from its record " +
            "(`Replayed = true`) and no participant is called. A replay that ran again or changed its outcome counts as failed, and every " +
            "account is re-read afterwards to show nothing moved. **Orleans Transactions has no equivalent**: every call starts a new " +
            "transaction with a new id, so a retried transfer runs (and moves money) again; there is no id to retry and no stored outcome to " +
            "return, hence no Orleans Transactions column. The no-op call at the same concurrency is the floor for comparison.");
        md.AppendLine();
        md.AppendLine("| storage | loops | system | calls/s | failed | p50 ms | p99 ms |");
        md.AppendLine("|---|--:|---|--:|--:|--:|--:|");
        foreach (var c in cells)
        {
            md.AppendLine($"| {c.Storage} | {c.Concurrency} | {(c.System == "twopc" ? "twopc (replay)" : c.System)} | {N(c.Tps)} | {c.Failed} | {c.Latency.P50Ms:0.00} | {c.Latency.P99Ms:0.00} |");
        }

        md.AppendLine();
    }

    private static void Hooks(StringBuilder md, RunResult run)
    {
        md.AppendLine("## Hooks (TODO in the grains)");
        md.AppendLine();
        md.AppendLine(run.MeterInstruments.Count == 0
            ? $"The benchmark listens to the meter `{MeterProbe.MeterName}` and reports any instrument on it per cell; none was published in this run. " +
              "Until the grains publish per-phase histograms, phases are timed through the fault-injection and storage-fault-policy test hooks above. Wanted:"
            : $"Instruments seen on `{MeterProbe.MeterName}`: {string.Join(", ", run.MeterInstruments)} (per-cell values are in results.json). Still wanted:");
        md.AppendLine();
        md.AppendLine("- `orleanstwopc.coordinator.phase.duration` (histogram, ms; tags `phase` = activate | begin | prepare | decide | phase2 | complete, `outcome`, `participants`);");
        md.AppendLine("- `orleanstwopc.participant.write.duration` and `orleanstwopc.participant.write.batch_size` (operations made durable by one group-commit write; tag `kind`);");
        md.AppendLine("- `orleanstwopc.participant.state.ended_records` (histogram at each write: the dedupe trail's length, which the state size follows);");
        md.AppendLine("- `orleanstwopc.coordinator.activation.duration` (the record read on activation) and `orleanstwopc.recovery.write.batch_size`;");
        md.AppendLine("- counters `orleanstwopc.transactions` (tags `outcome`, `reason`), `orleanstwopc.replays`, `orleanstwopc.conflicts`.");
        md.AppendLine();
    }

    private static void Method(StringBuilder md, RunResult run)
    {
        md.AppendLine("## Method");
        md.AppendLine();
        md.AppendLine($"- Workloads: transfer2 debits one account and credits another; transfer4 debits one account 3x and credits three others x " +
            $"(SmallBank MultiTransfer shape); amounts 1..{OperationStream.MaxAmount}. Uniform over {run.Accounts:N0} accounts, or Zipf s = {KeySpace.ZipfExponent} over a " +
            $"seeded permutation of them (the hottest account is {run.HottestAccountShare:P0} of all picks).");
        md.AppendLine("- Closed loop: each client loop sends its next transaction when the previous answer arrives. Each loop's key sequence is seeded " +
            "by (seed, workload, concurrency, loop), so every system in a cell gets the same sequence. Warm-up and measurement run on one continuous " +
            "sequence; throughput counts completions inside the measured window; latency (HdrHistogram, 3 digits) covers exactly those, aborted ones included. " +
            (run.Options.JitSettle > TimeSpan.Zero
                ? $"After it, the warm-up goes on until the JIT used less than a tenth of a core over a second (at most {run.Options.JitSettle.TotalSeconds:0} s more): tiered recompilation " +
                  "takes 20-30 s of load on 2 cores and would otherwise depress the first cells of a process."
                : "The warm-up is fixed (--jit-settle 0): the first cells of a process run while the JIT still recompiles."));
        md.AppendLine("- OrleansTwoPc: `TransactionClient.ExecuteAsync` with a fresh operation id per transaction. Its accounts are bulk-loaded through the " +
            "`twopc` grain storage (one write of the ledger's participant state per account) rather than through 10,000 deposits (3-4 writes each).");
        md.AppendLine("- OrleansTwoPc over HTTP (twopc-http; by default SQLite transfer2-uniform only, `--http` everywhere): the same transfers as " +
            "`POST /transactions`, see \"HTTP path\" above. Kestrel and HttpClient share the process with the silos, so the request's network " +
            "is loopback and both of its ends use the same two cores as the cluster.");
        md.AppendLine("- Orleans Transactions: `[TransactionalState(\"account\", \"bench-otx\")] ITransactionalState<Balance>`, entry point " +
            "`[Transaction(TransactionOption.Create)]` on a transfer grain (one per client loop). Expert: account calls one after another in ascending " +
            "key order; naive (extra row, full mode): all in parallel. Funded by transactions of 16 deposits. Its storage `bench-otx` is a second named " +
            "provider on the same backend (same SQLite file or PostgreSQL database, same Orleans binary serializer) behind a write-counting pass-through.");
        md.AppendLine("- Ceiling: a grain with `[PersistentState(\"ceiling\", \"twopc\")]` and `WriteStateAsync` per call, uniform keys, no transaction; its " +
            "state is small, while OrleansTwoPc's participant states grow with their ended-record trail.");
        md.AppendLine("- Floor (uniform workloads only): `bench-floor-coordinator`, a fresh grain per operation id placed like OrleansTwoPc's " +
            "coordinator, calls `Prepare` on each `bench-floor-account` (one `WriteStateAsync` each), writes its decision record once, answers, " +
            "then sends `Commit` calls that write nothing. All on the `twopc` storage. No validation, registry, Begin/Completed records, durable " +
            "commits, timeouts, epochs or forgetting: not correct under faults, an upper bound for any correct design of this shape.");
        md.AppendLine($"- Cluster: `InProcessTestClusterBuilder(2)`, response timeout {BenchCluster.ResponseTimeout.TotalSeconds:0} s, idle coordinator " +
            $"activations collected after {BenchCluster.CoordinatorCollectionAge.TotalMinutes:0} min (Orleans' default is 2 h, and every transaction leaves one), server GC, " +
            "silo warnings logged to a file. Orleans Transactions keeps its defaults (lock timeouts 8-10 s).");
        md.AppendLine("- Abort = a definite outcome where nothing applied (OrleansTwoPc: decided abort, with reason; Orleans Transactions: " +
            "`OrleansTransactionAbortedException` and subclasses, insufficient funds). Failed = no definite outcome (in doubt, timeout) or a wrong replay.");
        md.AppendLine();
    }

    private static string N(double? value) => value is { } v ? $"{v:N0}" : "n/a";

    private static string P(double? value) => value is { } v ? $"{v:P1}" : "n/a";
}
