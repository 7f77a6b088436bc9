using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using OrleansTwoPc.Storage;
using OrleansTwoPc.Storage.Sqlite;

namespace OrleansTwoPc.Hosting;

/// <summary>The SQLite back end: <c>silo.AddTwoPcSqliteStorage(o => ...)</c>.</summary>
public static class SqliteSiloBuilderExtensions
{
    /// <summary>
    /// Keeps OrleansTwoPc's records in a SQLite file (one machine), through Orleans' ADO.NET provider with group-committed
    /// writes and <c>synchronous=FULL</c> on every connection. One process per data directory: a second silo process on
    /// the same file refuses to start. Registers the provider as <see cref="Configuration.TwoPcStorage.DefaultProviderName"/>.
    /// </summary>
    public static ISiloBuilder AddTwoPcSqliteStorage(this ISiloBuilder silo, Action<TwoPcSqliteOptions>? configure = null)
    {
        var options = new TwoPcSqliteOptions();
        configure?.Invoke(options);
        options.Validate();
        var path = options.FilePath;
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        // One process per data directory: a second silo process on this file would run the same ids again.
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(new DataDirectoryGuard(directory));
        var connectionString = SqliteSchema.ConnectionString(path, options.BusyTimeout);
        // Every SQLite connection of the service, the provider's included, opens with synchronous=FULL.
        var sqlite = new DurableSqliteDataSource(connectionString);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
            ActivatorUtilities.CreateInstance<SqliteSchema>(sp, path, connectionString, options.InstallSchema));
        AdoNetBackend.Add(silo, new AdoNetBackendSettings
        {
            Invariant = SqliteSchema.Invariant,
            ConnectProvider = provider => provider.DataSource = sqlite,
            WriterKey = path,
            ConnectWriter = sqlite.CreateConnection,
            WriterLanes = 1,
            MaxWriteBatch = options.MaxWriteBatch,
            OffScheduler = true,
            Janitor = new ExpiredRecordJanitor(sqlite.CreateConnection,
                cutoff => cutoff.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
        });
        return silo;
    }
}
