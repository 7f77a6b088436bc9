using System.Globalization;
using OrleansTwoPc.Benchmark;
using OrleansTwoPc.Benchmark.Cluster;

// Issue 6: OrleansTwoPc against Orleans Transactions and the storage ceiling. See README.md.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
    foreach (var storage in options.Storages)
    {
        StorageTarget.Preflight(storage);
    }
}
catch (UsageException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

return await BenchmarkRun.RunAsync(options, args, Console.Out);
