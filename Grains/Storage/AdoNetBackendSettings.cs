using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansTwoPc.Configuration;
using OrleansTwoPc.Diagnostics;

namespace OrleansTwoPc.Storage;

/// <summary>
/// What a bundled ADO.NET back end (SQLite, PostgreSQL) tells <see cref="AdoNetBackend.Add"/>: how the provider reaches
/// the database, and how the group-commit writer and the retention janitor do.
/// </summary>
internal sealed class AdoNetBackendSettings
{
    /// <summary>The ADO.NET invariant Orleans loads the driver's factory by.</summary>
    public required string Invariant { get; init; }

    /// <summary>Points the provider at the database (its connection string or data source).</summary>
    public required Action<AdoNetGrainStorageOptions> ConnectProvider { get; init; }

    /// <summary>
    /// The group-commit writer's database, as a key: silos of one process share one writer per database. The file path
    /// or the whole connection string (search path included); never logged.
    /// </summary>
    public required string WriterKey { get; init; }

    /// <summary>A new, unopened connection for the writer.</summary>
    public required Func<DbConnection> ConnectWriter { get; init; }

    /// <summary>Transactions the writer keeps in flight at once (1 for SQLite, which has one writer).</summary>
    public required int WriterLanes { get; init; }

    /// <summary>Most rows in one writer transaction.</summary>
    public required int MaxWriteBatch { get; init; }

    /// <summary>Run the provider's reads and clears on the thread pool (Microsoft.Data.Sqlite blocks under its async API).</summary>
    public required bool OffScheduler { get; init; }

    /// <summary>Deletes expired coordinator records for the retention sweep.</summary>
    public required ExpiredRecordJanitor Janitor { get; init; }
}
