using System.CommandLine;
using System.Globalization;
using OrleansTwoPc.Client;

namespace OrleansTwoPc.Cli;

/// <summary>The options every command accepts. Built afresh with each command tree, so trees never share symbols.</summary>
internal sealed class GlobalOptions
{
    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print one JSON object on stdout instead of text (errors included).",
        Recursive = true,
    };

    // No default value here: an absent option falls back to configuration, and only then to localhost:30000.
    public Option<string?> Gateway { get; } = new("--gateway")
    {
        Description = "Cluster gateway as host:port [default: TwoPc:Cluster:GatewayHost/GatewayPort, else localhost:30000]",
        HelpName = "host:port",
        Recursive = true,
    };

    public Option<double?> ConnectTimeout { get; } = CreateConnectTimeout();

    // Parsed here rather than by System.CommandLine: a non-number must get the same one-line usage error as a number
    // out of range (the default converter plus a validator threw an unhandled exception for "abc").
    private static Option<double?> CreateConnectTimeout() => new("--connect-timeout")
    {
        Description = "Seconds to wait for the cluster connection [default: TwoPc:Cluster:ConnectTimeout, else 10]",
        HelpName = "seconds",
        Recursive = true,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                && seconds > 0 && seconds <= ClusterSettings.MaxConnectTimeout.TotalSeconds)
            {
                return seconds;
            }

            result.AddError(string.Create(CultureInfo.InvariantCulture,
                $"--connect-timeout must be a number of seconds more than 0 and at most {ClusterSettings.MaxConnectTimeout.TotalSeconds}; got '{text}'."));
            return null;
        },
    };
}
