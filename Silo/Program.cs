using Microsoft.Extensions.Hosting;
using OrleansTwoPc.Silo;

// The silo: see SiloHost for what it is made of, and docs/operations.md for its switches (telemetry, dashboard, TLS).
try
{
    using var host = SiloHost.Build(args);
    await host.RunAsync();
    return 0;
}
catch (SiloStartRefusedException refused)
{
    // Another silo has this one's port or data directory: one line and a non-zero exit, before Orleans starts.
    await Console.Error.WriteLineAsync(refused.Message);
    return 1;
}
