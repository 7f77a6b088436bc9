using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace OrleansTwoPc.Cli;

/// <summary>
/// Settings the commands read themselves, from the same sources as the cluster connection: appsettings.json beside
/// the executable, then <c>ORLEANSTWOPC_</c> environment variables (e.g. <c>ORLEANSTWOPC_TwoPc__RecoveryShards=16</c>).
/// </summary>
internal static class ClientConfiguration
{
    /// <summary>The silos' default <c>TwoPc:RecoveryShards</c>.</summary>
    public const int DefaultRecoveryShards = 8;

    /// <summary>The silos' upper bound of <c>TwoPc:RecoveryShards</c>.</summary>
    public const int MaxRecoveryShards = 1024;

    private const string RecoveryShardsKey = "TwoPc:RecoveryShards";

    /// <summary><c>TwoPc:RecoveryShards</c>, which must match the silos' value; 8 when not set.</summary>
    /// <exception cref="CliException">The configured value is not a whole number from 1 to 1024.</exception>
    public static int RecoveryShards()
    {
        var text = Load()[RecoveryShardsKey];
        if (text is null)
        {
            return DefaultRecoveryShards;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var shards) && shards is >= 1 and <= MaxRecoveryShards)
        {
            return shards;
        }

        throw new CliException("invalid-configuration",
            $"invalid configuration: {RecoveryShardsKey} must be a whole number from 1 to {MaxRecoveryShards}; got '{text}'");
    }

    private static IConfiguration Load() => new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables("ORLEANSTWOPC_")
        .Build();
}
