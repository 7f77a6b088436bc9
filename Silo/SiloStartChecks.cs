using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansTwoPc.Storage.Sqlite;

namespace OrleansTwoPc.Silo;

/// <summary>
/// What the silo host checks before Orleans starts: that no other process listens on its silo or gateway port, and
/// (SQLite) that no other process has its data directory. Either would give a second silo, a cluster of its own that
/// takes part of the clients or runs the same operation ids again. Runs on the built host, so the ports are the ones
/// Orleans will listen on whatever the configuration source; in-process test clusters do not come through here and
/// may put several silos in one process.
/// </summary>
internal static class SiloStartChecks
{
    /// <summary>Returns <paramref name="host"/>, holding the data directory until it stops; or disposes it and throws.</summary>
    /// <exception cref="SiloStartRefusedException">A port or the data directory is taken.</exception>
    public static IHost Guard(IHost host)
    {
        try
        {
            RequireFreePorts(host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value);
            if (host.Services.GetRequiredService<TwoPcStorageOptions>() is { Provider: StorageProvider.Sqlite } storage)
            {
                // Taken here, before the host starts, so that a refusal is one line; the silo takes it again at its first
                // lifecycle stage (counted per process) and the host lets go once it has stopped.
                var lease = DataDirectoryLock.Acquire(Path.GetDirectoryName(storage.SqlitePath)!);
                host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(lease.Dispose);
            }

            return host;
        }
        catch (DataDirectoryInUseException e)
        {
            host.Dispose();
            throw new SiloStartRefusedException(e.Message, e);
        }
        catch (SiloStartRefusedException)
        {
            host.Dispose();
            throw;
        }
    }

    private static void RequireFreePorts(EndpointOptions endpoints)
    {
        var (silo, gateway) = SiloClustering.ListeningEndpoints(endpoints);
        var taken = new[] { (Name: "silo port", Endpoint: silo), (Name: "gateway port", Endpoint: gateway) }
            .Where(port => !PortProbe.IsFree(port.Endpoint)).ToList();
        if (taken.Count == 0)
        {
            return;
        }

        var holders = string.Join("; ", taken.Select(port => PortProbe.Holder(port.Endpoint.Port)).Distinct(StringComparer.Ordinal));
        throw new SiloStartRefusedException(
            $"refusing to start: {string.Join(" and ", taken.Select(port => $"{port.Name} {port.Endpoint}"))} " +
            $"{(taken.Count == 1 ? "is" : "are")} already in use by {holders}; a second silo on the same port would take part " +
            $"of its traffic. Stop it, or give this silo other ports ({SiloHostOptions.Section}:SiloPort, {SiloHostOptions.Section}:GatewayPort).");
    }
}
