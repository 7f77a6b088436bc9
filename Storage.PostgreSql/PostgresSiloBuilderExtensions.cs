using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTwoPc.Storage;
using OrleansTwoPc.Storage.PostgreSql;

namespace OrleansTwoPc.Hosting;

/// <summary>The PostgreSQL back end: <c>silo.AddTwoPcPostgresStorage(o => ...)</c>.</summary>
public static class PostgresSiloBuilderExtensions
{
    /// <summary>
    /// Keeps OrleansTwoPc's records in PostgreSQL (any number of machines), in their own schema
    /// (<see cref="TwoPcPostgresOptions.Schema"/>), through Orleans' ADO.NET provider with group-committed writes and
    /// <c>synchronous_commit=on</c>. Registers the provider as <see cref="Configuration.TwoPcStorage.DefaultProviderName"/>.
    /// </summary>
    public static ISiloBuilder AddTwoPcPostgresStorage(this ISiloBuilder silo, Action<TwoPcPostgresOptions> configure)
    {
        var options = new TwoPcPostgresOptions();
        configure(options);
        options.Validate();
        var connectionString = options.ServiceConnectionString();
        // At the first silo lifecycle stage: the tables exist (or are found missing) before membership and grain
        // storage initialise.
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => ActivatorUtilities.CreateInstance<PostgresSchema>(sp,
            connectionString, new PostgresSchemaPlan(options.Schema, options.InstallSchema, options.InstallMembershipSchema)));
        var writers = options.WriterConnectionString();
        AdoNetBackend.Add(silo, new AdoNetBackendSettings
        {
            Invariant = PostgresSchema.Invariant,
            ConnectProvider = provider => provider.ConnectionString = connectionString,
            WriterKey = writers,
            ConnectWriter = () => new NpgsqlConnection(writers),
            WriterLanes = options.WriteConnections,
            MaxWriteBatch = options.MaxWriteBatch,
            OffScheduler = false,
            Janitor = new ExpiredRecordJanitor(() => new NpgsqlConnection(connectionString), cutoff => cutoff.ToUniversalTime()),
        });
        return silo;
    }
}
