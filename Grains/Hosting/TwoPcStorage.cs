using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansTwoPc.Faults;
using OrleansTwoPc.Storage;

namespace OrleansTwoPc.Hosting;

/// <summary>Which database holds grain state.</summary>
public enum StorageProvider
{
    /// <summary>A SQLite file through Orleans' ADO.NET provider (the default; one machine).</summary>
    Sqlite,

    /// <summary>In memory: lost when the silo stops. For tests and experiments only.</summary>
    Memory,
}

/// <summary>Where grain state lives. Bound from the <c>TwoPc:Storage</c> configuration section.</summary>
public sealed class TwoPcStorageOptions
{
    public const string Section = "TwoPc:Storage";

    /// <summary>The database. Default <see cref="StorageProvider.Sqlite"/>.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>Folder of the SQLite file, relative to the working directory unless rooted. Default <c>data</c>.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>SQLite file name inside <see cref="DataDirectory"/>. Default <c>orleanstwopc.db</c>.</summary>
    public string SqliteFile { get; set; } = "orleanstwopc.db";

    /// <summary>
    /// How long a SQLite command waits for the database's single writer lock before failing. Default 30 seconds.
    /// </summary>
    public TimeSpan SqliteBusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public string SqlitePath => Path.GetFullPath(Path.Combine(DataDirectory, SqliteFile));

    public void Validate()
    {
        if (Provider == StorageProvider.Sqlite)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(DataDirectory, nameof(DataDirectory));
            ArgumentException.ThrowIfNullOrWhiteSpace(SqliteFile, nameof(SqliteFile));
            ArgumentOutOfRangeException.ThrowIfLessThan(SqliteBusyTimeout, TimeSpan.FromSeconds(1), nameof(SqliteBusyTimeout));
        }
    }
}

/// <summary>Registers the grain storage named <see cref="Name"/> that coordinators and participants persist to.</summary>
public static class TwoPcStorage
{
    /// <summary>The grain storage provider name used by every grain of the service.</summary>
    public const string Name = "twopc";

    /// <summary>The real provider behind the fault-injection decorator registered as <see cref="Name"/>.</summary>
    private const string InnerName = "twopc-database";

    internal static void Add(ISiloBuilder silo, TwoPcStorageOptions storage)
    {
        storage.Validate();
        silo.Services.AddKeyedSingleton<IGrainStorage>(Name, (sp, _) => new FaultInjectingGrainStorage(
            sp.GetRequiredKeyedService<IGrainStorage>(InnerName), sp.GetRequiredService<IStorageFaultPolicy>()));
        switch (storage.Provider)
        {
            case StorageProvider.Memory:
                silo.AddMemoryGrainStorage(InnerName);
                break;
            case StorageProvider.Sqlite:
                Directory.CreateDirectory(Path.GetDirectoryName(storage.SqlitePath)!);
                var connectionString = SqliteSchema.ConnectionString(storage.SqlitePath, storage.SqliteBusyTimeout);
                silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
                    ActivatorUtilities.CreateInstance<SqliteSchema>(sp, storage.SqlitePath, connectionString));
                silo.AddAdoNetGrainStorage(InnerName, options =>
                {
                    options.Invariant = SqliteSchema.Invariant;
                    options.ConnectionString = connectionString;
                });
                UseOrleansSerializer(silo.Services);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(storage), storage.Provider, "unknown storage provider");
        }
    }

    // Orleans' binary serializer with [Alias]ed types: stored rows survive renames of state classes, unlike the
    // default JSON that embeds .NET type names.
    private static void UseOrleansSerializer(IServiceCollection services) =>
        services.AddOptions<AdoNetGrainStorageOptions>(InnerName)
            .Configure<Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
}
