using OrleansTwoPc.Chaos.Compare;

namespace OrleansTwoPc.Chaos;

/// <summary>
/// <c>dotnet run --project tests/OrleansTwoPc.Chaos -- --seed N --duration 60s [--silos 3] [--mode exactly-once|compare] [--clients 8]</c>,
/// or against running silo processes (tests/cluster-chaos.sh): <c>--external --gateways h:p,h:p --cluster-id ID --service-id ID</c>.
/// Exit code 0: no violation; 1: a violation (or exactly-once lost/duplicated in compare mode), or the external
/// cluster could not be reached; 2: bad arguments.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        ChaosOptions options;
        try
        {
            options = ChaosOptions.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }

        if (options.Mode == ChaosMode.Compare)
        {
            var comparison = await CompareRunner.RunAsync(options, Console.Out);
            return comparison.Passed ? 0 : 1;
        }

        try
        {
            var result = await ChaosRunner.RunAsync(options, Console.Out);
            return result.Passed ? 0 : 1;
        }
        catch (InvalidOperationException ex) when (options.External)
        {
            // No RESULT line: the caller reports that the run did not happen.
            await Console.Error.WriteLineAsync($"chaos: {ex.Message}");
            return 1;
        }
    }
}
