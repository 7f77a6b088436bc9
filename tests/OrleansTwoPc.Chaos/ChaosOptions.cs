using System.Globalization;

namespace OrleansTwoPc.Chaos;

/// <summary>What a chaos run checks.</summary>
public enum ChaosMode
{
    /// <summary>One faulty run with the full checker (lost, duplicated, mismatched, torn, stuck).</summary>
    ExactlyOnce,

    /// <summary>At-most-once, at-least-once and exactly-once clients side by side on the same faulty run shape.</summary>
    Compare,
}

/// <summary>Settings of one chaos run. Everything random derives from <see cref="Seed"/>.</summary>
public sealed record ChaosOptions
{
    public int Seed { get; init; } = 1;

    /// <summary>How long clients submit work while faults are injected.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    public int Silos { get; init; } = 3;

    public int Clients { get; init; } = 8;

    public ChaosMode Mode { get; init; } = ChaosMode.ExactlyOnce;

    /// <summary>Fraction of grain-state writes that fail during the fault phase (half before, half after landing).</summary>
    public double StorageFaultRate { get; init; } = 0.015;

    /// <summary>Fraction of grain-state writes that hang 5-100 ms first during the fault phase (a slow database).</summary>
    public double SlowWriteRate { get; init; } = 0.2;

    /// <summary>Average pause between two silo kills; each pause is drawn from 0.7x..1.3x of it.</summary>
    public TimeSpan KillInterval { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Longest wait for the cluster to finish every transaction after the faults stop.</summary>
    public TimeSpan QuiesceTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Echo warnings and errors of the silos to the console (off: they are only counted).</summary>
    public bool Verbose { get; init; }

    /// <summary>
    /// Participants forget completed operations, as the service does by default. Off (the default here), they keep
    /// their trail of ended operations and the checker audits every id at every participant; on, the checker judges
    /// each participant's value against the committed statuses instead, and the forgetting paths run under faults.
    /// External mode: says that the silos run so (<c>TwoPc:KeepParticipantTrail=false</c>, their default), which the
    /// caller chose when it started them; the checker then judges by values.
    /// </summary>
    public bool Forget { get; init; }

    /// <summary>
    /// <c>--delays</c>: protocol messages held for a seeded time, sometimes past the protocol's timeouts
    /// (<see cref="MessageDelays"/>), and half of the faults pauses instead of kills, so silos wake as zombies with
    /// activations the cluster has re-activated elsewhere (<see cref="SiloPause"/>). Sets the defaults of
    /// <see cref="DelayRate"/> and <see cref="PauseShare"/>.
    /// </summary>
    public bool Delays { get; init; }

    /// <summary>Share of protocol messages held (<c>--delay-rate</c>); default 0.05 with <c>--delays</c>, else 0.</summary>
    public double? DelayRate { get; init; }

    /// <summary>Share of faults that pause a silo instead of killing it (<c>--pause-share</c>); default 0.5 with <c>--delays</c>, else 0.</summary>
    public double? PauseShare { get; init; }

    public double EffectiveDelayRate => DelayRate ?? (Delays ? 0.05 : 0);

    public double EffectivePauseShare => PauseShare ?? (Delays ? 0.5 : 0);

    /// <summary>
    /// Drive a cluster of silo processes someone else runs (and kills), instead of an in-process cluster: connect to
    /// <see cref="Gateways"/>, run the workload, settle, check. No kills, no storage faults from this program.
    /// </summary>
    public bool External { get; init; }

    /// <summary>External mode: the gateways (host:port) to connect to, all of them (static gateway list).</summary>
    public IReadOnlyList<string> Gateways { get; init; } = [];

    /// <summary>External mode: the cluster's ClusterId and ServiceId (the silos' TwoPc:Cluster settings).</summary>
    public string ClusterId { get; init; } = "orleanstwopc";

    public string ServiceId { get; init; } = "orleanstwopc";

    /// <summary>
    /// External mode: a file the caller appends a line to per fault it injected: <c>&lt;unix ms&gt; kill ...</c> per
    /// SIGKILL (their count is the run's kills), <c>&lt;unix ms&gt; pause ...</c> per SIGSTOP (the run's pauses),
    /// <c>&lt;unix ms&gt; postgres-stop</c> and <c>postgres-start</c>.
    /// </summary>
    public string? FaultsFile { get; init; }

    /// <summary>
    /// External mode: what the caller was asked to inject (<c>--expect-kills N</c>, <c>--expect-pauses N</c>,
    /// <c>--expect-outage</c>). A run whose faults file shows fewer fails, whatever the checker says: it did not test
    /// what it claims to.
    /// </summary>
    public int ExpectKills { get; init; }

    public int ExpectPauses { get; init; }

    public bool ExpectOutage { get; init; }

    /// <summary>External mode: a folder with the silos' logs (<c>silo-*.log</c>), searched for invariant failures.</summary>
    public string? SiloLogs { get; init; }

    /// <summary>
    /// External mode: base addresses of silos' HTTP APIs (<c>--http http://127.0.0.1:18081,http://127.0.0.1:18082</c>).
    /// A seeded <see cref="HttpShare"/> of the submissions (first ones, replays and concurrent duplicates alike) goes
    /// through <c>POST /transactions</c> there instead of the Orleans client, starting at a seeded one of them and
    /// moving to the next when it fails (<see cref="HttpSubmitter"/>). Empty: everything through the Orleans client.
    /// </summary>
    public IReadOnlyList<Uri> Http { get; init; } = [];

    /// <summary>
    /// Share of the submissions sent over HTTP (<c>--http-share</c>, more than 0, at most 1); default 0.5 with
    /// <see cref="Http"/>. A run where fewer than <see cref="RunClaims.MinHttpFraction"/> of this share got a definite
    /// answer over HTTP fails: it did not test the HTTP path it claims to.
    /// </summary>
    public double? HttpShare { get; init; }

    public double EffectiveHttpShare => HttpShare ?? (Http.Count > 0 ? 0.5 : 0);

    /// <summary>External mode: how long connecting may take (the client retries the gateways until then).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public const string Usage =
        "usage: OrleansTwoPc.Chaos --seed N --duration 60s [--silos 3] [--mode exactly-once|compare] [--clients 8] " +
        "[--storage-faults 0.015] [--slow-writes 0.2] [--kill-interval 8s] [--quiesce-timeout 60s] [--forget] " +
        "[--delays] [--delay-rate 0.05] [--pause-share 0.5] [--verbose]\n" +
        "       OrleansTwoPc.Chaos --external --gateways host:port[,host:port...] --cluster-id ID --service-id ID " +
        "--seed N --duration 60s [--clients 8] [--faults-file PATH] [--silo-logs DIR] [--connect-timeout 60s] " +
        "[--quiesce-timeout 120s] [--forget] [--expect-kills N] [--expect-pauses N] [--expect-outage] " +
        "[--http http://host:port[,http://host:port...]] [--http-share 0.5] [--verbose]";

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> with the usage on bad input.</summary>
    public static ChaosOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ChaosOptions();
        TimeSpan? quiesceTimeout = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            // Flags first: they take no value.
            var flagged = name switch
            {
                "--verbose" => options with { Verbose = true },
                "--forget" => options with { Forget = true },
                "--delays" => options with { Delays = true },
                "--expect-outage" => options with { ExpectOutage = true },
                // Settling an external cluster waits on its shipped timeouts (decision, recovery), not the chaos ones.
                "--external" => options with { External = true, QuiesceTimeout = quiesceTimeout ?? TimeSpan.FromSeconds(120) },
                _ => null,
            };
            if (flagged is not null)
            {
                options = flagged;
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value. {Usage}");
            }

            var value = args[++i];
            options = name switch
            {
                "--seed" => options with { Seed = int.Parse(value, CultureInfo.InvariantCulture) },
                "--duration" => options with { Duration = ParseDuration(value) },
                "--silos" => options with { Silos = int.Parse(value, CultureInfo.InvariantCulture) },
                "--clients" => options with { Clients = int.Parse(value, CultureInfo.InvariantCulture) },
                "--storage-faults" => options with { StorageFaultRate = double.Parse(value, CultureInfo.InvariantCulture) },
                "--slow-writes" => options with { SlowWriteRate = double.Parse(value, CultureInfo.InvariantCulture) },
                "--kill-interval" => options with { KillInterval = ParseDuration(value) },
                "--mode" => options with { Mode = ParseMode(value) },
                "--quiesce-timeout" => options with { QuiesceTimeout = (quiesceTimeout = ParseDuration(value)).Value },
                "--gateways" => options with { Gateways = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--cluster-id" => options with { ClusterId = value },
                "--service-id" => options with { ServiceId = value },
                "--faults-file" => options with { FaultsFile = value },
                "--silo-logs" => options with { SiloLogs = value },
                "--connect-timeout" => options with { ConnectTimeout = ParseDuration(value) },
                "--delay-rate" => options with { DelayRate = double.Parse(value, CultureInfo.InvariantCulture) },
                "--pause-share" => options with { PauseShare = double.Parse(value, CultureInfo.InvariantCulture) },
                "--expect-kills" => options with { ExpectKills = int.Parse(value, CultureInfo.InvariantCulture) },
                "--expect-pauses" => options with { ExpectPauses = int.Parse(value, CultureInfo.InvariantCulture) },
                "--http" => options with { Http = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseHttpEndpoint)] },
                "--http-share" => options with { HttpShare = double.Parse(value, CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown option {name}. {Usage}"),
            };
        }

        options.Validate();
        return options;
    }

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Duration, TimeSpan.FromSeconds(1), nameof(Duration));
        ArgumentOutOfRangeException.ThrowIfLessThan(Silos, 1, nameof(Silos));
        ArgumentOutOfRangeException.ThrowIfLessThan(Clients, 1, nameof(Clients));
        ArgumentOutOfRangeException.ThrowIfNegative(StorageFaultRate, nameof(StorageFaultRate));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(StorageFaultRate, 0.5, nameof(StorageFaultRate));
        ArgumentOutOfRangeException.ThrowIfNegative(SlowWriteRate, nameof(SlowWriteRate));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SlowWriteRate, 1, nameof(SlowWriteRate));
        ArgumentOutOfRangeException.ThrowIfLessThan(KillInterval, TimeSpan.FromSeconds(1), nameof(KillInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(QuiesceTimeout, TimeSpan.FromSeconds(1), nameof(QuiesceTimeout));
        ArgumentOutOfRangeException.ThrowIfNegative(EffectiveDelayRate, nameof(DelayRate));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(EffectiveDelayRate, 1, nameof(DelayRate));
        ArgumentOutOfRangeException.ThrowIfNegative(EffectivePauseShare, nameof(PauseShare));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(EffectivePauseShare, 1, nameof(PauseShare));
        ArgumentOutOfRangeException.ThrowIfNegative(ExpectKills, nameof(ExpectKills));
        ArgumentOutOfRangeException.ThrowIfNegative(ExpectPauses, nameof(ExpectPauses));
        if (HttpShare is not null && Http.Count == 0)
        {
            throw new ArgumentException($"--http-share needs --http (the silos' HTTP addresses). {Usage}");
        }

        if (Http.Count > 0)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(EffectiveHttpShare, 0, nameof(HttpShare));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(EffectiveHttpShare, 1, nameof(HttpShare));
        }

        if (!External)
        {
            if (ExpectKills > 0 || ExpectPauses > 0 || ExpectOutage)
            {
                throw new ArgumentException($"--expect-kills, --expect-pauses and --expect-outage judge an external run's faults file. {Usage}");
            }

            if (Http.Count > 0)
            {
                throw new ArgumentException($"--http drives the HTTP APIs of an external cluster's silos; in-process silos serve none. {Usage}");
            }

            return;
        }

        if (Delays || DelayRate is not null || PauseShare is not null)
        {
            throw new ArgumentException($"--delays, --delay-rate and --pause-share are for in-process runs; an external cluster's faults are its caller's. {Usage}");
        }

        if (Mode != ChaosMode.ExactlyOnce)
        {
            throw new ArgumentException($"--external runs the exactly-once check only, not --mode compare. {Usage}");
        }

        if (Gateways.Count == 0)
        {
            throw new ArgumentException($"--external needs --gateways host:port[,host:port...]. {Usage}");
        }

        foreach (var gateway in Gateways)
        {
            _ = ExternalCluster.ParseGateway(gateway);
        }

        if (string.IsNullOrWhiteSpace(ClusterId) || string.IsNullOrWhiteSpace(ServiceId))
        {
            throw new ArgumentException($"--cluster-id and --service-id must not be empty. {Usage}");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(ConnectTimeout, TimeSpan.FromSeconds(1), nameof(ConnectTimeout));
    }

    /// <summary>
    /// An HTTP API's base address: absolute <c>http</c> or <c>https</c>, no query or fragment. Its path ends with a
    /// slash, so that <c>transactions</c> resolves below it.
    /// </summary>
    public static Uri ParseHttpEndpoint(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new ArgumentException($"--http address '{text}' is not an absolute http:// or https:// base address (e.g. http://127.0.0.1:18081). {Usage}");
        }

        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.GetLeftPart(UriPartial.Path) + "/");
    }

    /// <summary>Accepts <c>60s</c>, <c>2m</c>, <c>1500ms</c>, plain seconds, or a TimeSpan (<c>00:01:00</c>).</summary>
    public static TimeSpan ParseDuration(string value)
    {
        static double Number(string s) => double.Parse(s, CultureInfo.InvariantCulture);
        return value switch
        {
            _ when value.EndsWith("ms", StringComparison.Ordinal) => TimeSpan.FromMilliseconds(Number(value[..^2])),
            _ when value.EndsWith('s') => TimeSpan.FromSeconds(Number(value[..^1])),
            _ when value.EndsWith('m') => TimeSpan.FromMinutes(Number(value[..^1])),
            _ when value.Contains(':', StringComparison.Ordinal) => TimeSpan.Parse(value, CultureInfo.InvariantCulture),
            _ => TimeSpan.FromSeconds(Number(value)),
        };
    }

    private static ChaosMode ParseMode(string value) => value switch
    {
        "exactly-once" => ChaosMode.ExactlyOnce,
        "compare" => ChaosMode.Compare,
        _ => throw new ArgumentException($"unknown mode '{value}'. {Usage}"),
    };
}
