using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansTwoPc.Hosting;

namespace OrleansTwoPc.Silo;

/// <summary>The transaction service as this silo host runs it.</summary>
public static class HostedTwoPc
{
    /// <summary>
    /// <c>AddTwoPc</c> with options from the <c>TwoPc</c> section, the ledger and inventory kinds, and the bundled back
    /// end <c>TwoPc:Storage:Provider</c> names (SQLite by default, PostgreSQL, or memory) with its <c>TwoPc:Storage</c>
    /// settings. The host chooses its clustering itself (<see cref="SiloClustering"/>).
    /// </summary>
    public static ISiloBuilder AddTwoPcAsHosted(this ISiloBuilder silo, IConfiguration configuration)
    {
        var storage = TwoPcStorageOptions.Load(configuration);
        storage.Validate();
        silo.Services.AddSingleton(storage);
        silo.AddTwoPc(configuration).AddLedger().AddInventory();
        _ = storage.Provider switch
        {
            StorageProvider.Sqlite => silo.AddTwoPcSqliteStorage(storage.ApplyTo),
            StorageProvider.Postgres => silo.AddTwoPcPostgresStorage(storage.ApplyTo),
            StorageProvider.Memory => silo.AddTwoPcMemoryStorage(),
            _ => throw new ArgumentOutOfRangeException(nameof(configuration), storage.Provider, "unknown storage provider"),
        };
        return silo;
    }
}
