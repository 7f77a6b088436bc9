using System.Globalization;

namespace OrleansTwoPc.Benchmark;

/// <summary>A command line the benchmark cannot run; the message says what to change.</summary>
public sealed class UsageException(string message) : Exception(message)
{
    public UsageException() : this("bad command line")
    {
    }

    public UsageException(string message, Exception innerException) : this(message + ": " + innerException.Message)
    {
    }
}

/// <summary>What to run. Parsed from the command line; every value has a default, and <c>--quick</c> picks smaller ones.</summary>
public sealed record BenchOptions
{
    public const string Usage = """
        dotnet run -c Release --project tests/OrleansTwoPc.Benchmark -- [options]

          --quick                 fewer cells, shorter runs: about 2 minutes for memory and sqlite together
          --storage LIST          memory,sqlite,postgres (default memory,sqlite); postgres reads ORLEANSTWOPC_POSTGRES
          --duration TIME         measured time per cell, e.g. 30s, 2m, 500ms (default 10s; quick 1.5s)
          --warmup TIME           unmeasured time before each cell (default a quarter of --duration, at most 5s; quick 0.5s)
          --jit-settle TIME       after the warm-up, keep warming while the JIT uses a tenth of a core or more, at most
                                  this long (default 30s; quick 5s; 0 turns it off)
          --out DIR               results go to DIR/<timestamp>/ (default results/)
          --concurrency LIST      client loops per cell, e.g. 1,8,64,256 (default 1,8,64,256; quick 1,64 for transfer2-uniform, 64 elsewhere)
          --workloads LIST        transfer2-uniform,transfer2-zipf,transfer4-uniform,transfer4-zipf,dedupe-hit
                                  (default all; quick leaves out transfer4-zipf)
          --naive / --no-naive    also run Orleans Transactions with parallel account calls (default: on, off with --quick)
          --http / --no-http      OrleansTwoPc through its HTTP API (twopc-http) on every selected storage and transfer
                                  workload / nowhere (default: sqlite transfer2-uniform only)
          --accounts N            accounts per system (default 10000)
          --seed N                seed of key sequences and amounts (default 20240601)

        Scale sweeps (issue 16), instead of the plan above; transfer cells at concurrency 64 (or --concurrency):
          --sweep participants    transferN-uniform for N = 2,4,8,16, OrleansTwoPc and Orleans Transactions (expert)
                                  (default storage sqlite)
          --sweep accounts        transfer2-uniform, OrleansTwoPc, on 1,000 / 10,000 / 100,000 / 1,000,000 accounts,
                                  a fresh cluster and cold (not activated) accounts per size (default storages sqlite,postgres)
          --sweep silos           transfer2-uniform OrleansTwoPc and the storage ceiling on 1, 2 and 3 in-process silos
                                  (default storage postgres)
          --sweep silo-processes  transfer2-uniform OrleansTwoPc on 1, 2 and 3 processes of the shipped silo on PostgreSQL,
                                  through the client library over gateways; 20 s more warm-up for the silos' JIT
                                  unless --warmup is given
          --points LIST           the sweep's points instead of its defaults, e.g. --points 2,4 or --points 1000,1000000
        """;

    public bool Quick { get; init; }

    public IReadOnlyList<string> Storages { get; init; } = ["memory", "sqlite"];

    /// <summary>Measured time per cell. Default 10 seconds, 1.5 with <see cref="Quick"/>.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Unmeasured time before each cell's measurement, on the same key stream.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2.5);

    /// <summary>Whether --warmup was given (the silo-processes sweep then adds no warm-up of its own).</summary>
    public bool WarmupGiven { get; init; }

    /// <summary>
    /// How much longer than <see cref="Warmup"/> a cell may warm up while the JIT is still busy (tiered recompilation
    /// takes 20-30 s of load on 2 cores and depresses whatever is measured meanwhile). Default 30 s, 5 with <see cref="Quick"/>.
    /// </summary>
    public TimeSpan JitSettle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Parent folder of the timestamped results folder. Default <c>results</c>.</summary>
    public string OutputRoot { get; init; } = "results";

    /// <summary>Concurrency levels for every workload; null means the mode's plan.</summary>
    public IReadOnlyList<int>? Concurrency { get; init; }

    public IReadOnlyList<string> Workloads { get; init; } = Benchmark.Workloads.Workload.All.Select(w => w.Name).ToList();

    /// <summary>Whether --workloads was given (quick mode otherwise skips transfer4-zipf).</summary>
    public bool WorkloadsGiven { get; init; }

    public bool Naive { get; init; } = true;

    /// <summary>Where the twopc-http system runs: true everywhere, false nowhere, null only on SQLite transfer2-uniform (issue 15's cell).</summary>
    public bool? Http { get; init; }

    public int Accounts { get; init; } = 10_000;

    public int Seed { get; init; } = 20240601;

    /// <summary>participants, accounts or silos; null runs the benchmark's plan.</summary>
    public string? Sweep { get; init; }

    /// <summary>The sweep's points (participants, accounts or silos); null means the sweep's defaults.</summary>
    public IReadOnlyList<int>? Points { get; init; }

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var quick = args.Contains("--quick");
        var options = quick
            ? new BenchOptions { Quick = true, Duration = TimeSpan.FromSeconds(1.5), Warmup = TimeSpan.FromSeconds(0.5), JitSettle = TimeSpan.FromSeconds(5), Naive = false }
            : new BenchOptions();
        var warmupGiven = false;
        var storageGiven = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new UsageException($"{arg} needs a value");
            switch (arg)
            {
                case "--quick":
                    break;
                case "--storage":
                    options = options with { Storages = ParseStorages(Value()) };
                    storageGiven = true;
                    break;
                case "--duration":
                    options = options with { Duration = ParseDuration(Value(), arg) };
                    break;
                case "--warmup":
                    options = options with { Warmup = ParseDuration(Value(), arg), WarmupGiven = true };
                    warmupGiven = true;
                    break;
                case "--jit-settle":
                    options = options with { JitSettle = ParseDuration(Value(), arg, zero: true) };
                    break;
                case "--out":
                    options = options with { OutputRoot = Value() };
                    break;
                case "--concurrency":
                    options = options with { Concurrency = ParseList(Value(), arg).Select(s => ParseInt(s, arg, 1, 4096)).ToList() };
                    break;
                case "--workloads":
                    options = options with
                    {
                        Workloads = ParseList(Value(), arg).Select(w => Benchmark.Workloads.Workload.Parse(w).Name).ToList(),
                        WorkloadsGiven = true,
                    };
                    break;
                case "--naive":
                    options = options with { Naive = true };
                    break;
                case "--no-naive":
                    options = options with { Naive = false };
                    break;
                case "--http" or "--no-http":
                    options = options with { Http = arg == "--http" };
                    break;
                case "--accounts":
                    options = options with { Accounts = ParseInt(Value(), arg, 16, 1_000_000) };
                    break;
                case "--seed":
                    options = options with { Seed = ParseInt(Value(), arg, 0, int.MaxValue) };
                    break;
                case "--sweep":
                    var sweep = Value().ToLowerInvariant();
                    options = options with
                    {
                        Sweep = sweep is "participants" or "accounts" or "silos" or "silo-processes"
                            ? sweep
                            : throw new UsageException($"--sweep: '{sweep}' is not one of participants, accounts, silos, silo-processes"),
                    };
                    break;
                case "--points":
                    options = options with { Points = ParseList(Value(), arg).Select(s => ParseInt(s, arg, 1, 1_000_000)).ToList() };
                    break;
                case "-h" or "--help":
                    throw new UsageException(Usage);
                default:
                    throw new UsageException($"unknown option '{arg}'\n\n{Usage}");
            }
        }

        if (!warmupGiven && !quick)
        {
            options = options with { Warmup = TimeSpan.FromTicks(Math.Min(options.Duration.Ticks / 4, TimeSpan.FromSeconds(5).Ticks)) };
        }

        if (options.Sweep is { } chosen)
        {
            if (quick)
            {
                throw new UsageException("--sweep and --quick do not mix: give the sweep a --duration instead");
            }

            if (!storageGiven)
            {
                options = options with { Storages = chosen switch { "accounts" => ["sqlite", "postgres"], "silos" or "silo-processes" => ["postgres"], _ => ["sqlite"] } };
            }
            else if (chosen == "silo-processes" && options.Storages is not ["postgres"])
            {
                throw new UsageException("--sweep silo-processes runs on postgres only (the silos share state and membership through it)");
            }

            var limits = chosen switch { "participants" => (2, 16), "accounts" => (16, 1_000_000), _ => (1, 8) };
            if (options.Points?.FirstOrDefault(p => p < limits.Item1 || p > limits.Item2) is > 0 and var bad)
            {
                throw new UsageException($"--points: {bad} is outside {limits.Item1}..{limits.Item2} for --sweep {chosen}");
            }
        }
        else if (options.Points is not null)
        {
            throw new UsageException("--points needs --sweep");
        }

        return options;
    }

    /// <summary>"30s", "2m", "500ms", "1.5s"; a bare number is seconds. Zero only where <paramref name="zero"/> allows it.</summary>
    public static TimeSpan ParseDuration(string text, string option, bool zero = false)
    {
        var units = new (string Suffix, double Seconds)[] { ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("", 1) };
        foreach (var (suffix, seconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                && (number > 0 || (zero && number == 0)) && number <= 24 * 3600 / seconds)
            {
                return TimeSpan.FromSeconds(number * seconds);
            }
        }

        throw new UsageException($"{option}: '{text}' is not a duration such as 30s, 2m or 500ms");
    }

    private static List<string> ParseStorages(string text)
    {
        var names = ParseList(text, "--storage").Select(s => s.ToLowerInvariant() switch
        {
            "memory" or "mem" => "memory",
            "sqlite" => "sqlite",
            "postgres" or "postgresql" or "pg" => "postgres",
            _ => throw new UsageException($"--storage: unknown storage '{s}'; use memory, sqlite or postgres"),
        }).Distinct().ToList();
        return names;
    }

    private static List<string> ParseList(string text, string option)
    {
        var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        return items.Count > 0 ? items : throw new UsageException($"{option} needs at least one value");
    }

    private static int ParseInt(string text, string option, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"{option}: '{text}' must be a whole number from {min} to {max}");
}
