using Microsoft.Extensions.Hosting;
using OrleansTwoPc.Silo;

// The silo: see SiloHost for what it is made of, and docs/operations.md for its switches (telemetry, dashboard, TLS).
await SiloHost.Build(args).RunAsync();
