using Npgsql;

namespace OrleansTwoPc.Storage.PostgreSql;

/// <summary>Where the PostgreSQL back end keeps the records, and how it writes them. Validated when the silo is configured.</summary>
public sealed class TwoPcPostgresOptions
{
    /// <summary>Largest accepted <see cref="MaxPoolSize"/>.</summary>
    public const int MaxAcceptedPoolSize = 1000;

    /// <summary>
    /// PostgreSQL connection string (Npgsql syntax, e.g. <c>Host=127.0.0.1;Port=5432;Username=twopc;Password=...;Database=twopc</c>).
    /// Required. It holds a password, so it is never logged; logs show host, port, database, user and pool size only.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// The PostgreSQL schema (namespace) OrleansTwoPc's tables live in: it becomes the connections' search path, so an
    /// application's own Orleans tables (<c>OrleansQuery</c>, <c>OrleansStorage</c>, membership) in other schemas of
    /// the same database are never read or changed. Default <c>twopc</c>. Null or empty: the connection string's own
    /// search path (normally <c>public</c>, where the OrleansTwoPc silo host has always kept them).
    /// </summary>
    public string? Schema { get; set; } = "twopc";

    /// <summary>
    /// Create <see cref="Schema"/>, the grain-state table and the provider's query rows (the package's
    /// <c>sql/postgres-storage.sql</c>, idempotent) at silo start. Default false: the silo then checks that they are there
    /// and refuses to start if not.
    /// </summary>
    public bool InstallSchema { get; set; }

    /// <summary>
    /// Also create the cluster membership tables and queries (<c>sql/postgres-membership.sql</c>) for Orleans' ADO.NET
    /// clustering over <see cref="ServiceConnectionString"/>. Default false: an application has its own clustering.
    /// </summary>
    public bool InstallMembershipSchema { get; set; }

    /// <summary>
    /// Most connections one silo process opens to PostgreSQL for OrleansTwoPc; it replaces any <c>Maximum Pool Size</c>
    /// in <see cref="ConnectionString"/>. Keep silos × this below the server's <c>max_connections</c> (100 by default):
    /// Npgsql's own default of 100 lets one busy silo exhaust the server (error 53300, too many connections).
    /// Default 20.
    /// </summary>
    public int MaxPoolSize { get; set; } = 20;

    /// <summary>
    /// Connections that commit write batches at once (each held open by its writer); taken from <see cref="MaxPoolSize"/>.
    /// Default 4.
    /// </summary>
    public int WriteConnections { get; set; } = 4;

    /// <summary>
    /// Most grain-state writes committed in one database transaction (group commit; see docs/performance.md).
    /// Default 256. 1 turns group commit off.
    /// </summary>
    public int MaxWriteBatch { get; set; } = 256;

    /// <summary>
    /// The connection string OrleansTwoPc uses (grain state, the batched writer, and membership when the host keeps it
    /// here): <see cref="ConnectionString"/> with the pool capped, the search path set to <see cref="Schema"/>, and
    /// <c>synchronous_commit=on</c> for every session. A grain-state write is acknowledged as durable, and a session
    /// with <c>off</c> (a role's or database's default, or the given <c>Options</c>) acknowledges a commit before its
    /// WAL record is flushed. It goes last in the startup <c>Options</c>, so it overrides an earlier
    /// <c>-c synchronous_commit</c> there, and startup options override role and database defaults. (It also
    /// replaces <c>remote_apply</c>; <c>on</c> still waits for synchronous standbys to flush.)
    /// </summary>
    public string ServiceConnectionString()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = MaxPoolSize };
        builder.Options = string.IsNullOrWhiteSpace(builder.Options)
            ? PostgresSchema.SynchronousCommitOption
            : $"{builder.Options} {PostgresSchema.SynchronousCommitOption}";
        if (builder.MinPoolSize > builder.MaxPoolSize)
        {
            builder.MinPoolSize = builder.MaxPoolSize;
        }

        if (!string.IsNullOrWhiteSpace(Schema))
        {
            builder.SearchPath = Schema;
        }

        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "orleanstwopc";
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// The connection string of the batched writers: <see cref="ServiceConnectionString"/> with the write statement
    /// prepared on the server (each writer runs it over and over: parsed and planned once per connection, not per row)
    /// and <c>enable_seqscan=off</c>. A prepared statement's plan is made once, from the statistics of that moment, and
    /// kept: made while the table looked empty (a new database, or just after a retention purge and vacuum), it is a
    /// sequential scan, and every later write scanned the whole table until autovacuum analyzed it again (measured: 890
    /// buffers and 4 ms per write at 7,500 rows, 200 tx/s instead of 2,000). Writers only look rows up by their
    /// primary key, so ruling the scan out costs nothing and makes the plan independent of the statistics.
    /// </summary>
    public string WriterConnectionString()
    {
        var builder = new NpgsqlConnectionStringBuilder(ServiceConnectionString()) { MaxAutoPrepare = 4, AutoPrepareMinUsages = 2 };
        builder.Options = $"{builder.Options} {PostgresSchema.WriterPlanOption}";
        return builder.ConnectionString;
    }

    /// <summary>Where the data lives, for logs: host, port, database, user and pool size; never the password.</summary>
    public string Description() => PostgresSchema.Describe(ServiceConnectionString());

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value; never quotes the connection string.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxWriteBatch, 1, nameof(MaxWriteBatch));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxWriteBatch, 10_000, nameof(MaxWriteBatch));
        ArgumentOutOfRangeException.ThrowIfLessThan(WriteConnections, 1, nameof(WriteConnections));
        if (WriteConnections >= MaxPoolSize)
        {
            throw new ArgumentOutOfRangeException(nameof(WriteConnections), WriteConnections,
                $"must be below MaxPoolSize ({MaxPoolSize}): reads and membership need connections too");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPoolSize, 2, nameof(MaxPoolSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxPoolSize, MaxAcceptedPoolSize, nameof(MaxPoolSize));
        if (Schema is { Length: > 0 } schema && !PostgresSchema.IsPlainName(schema))
        {
            throw new ArgumentException("Schema must be a plain lower-case PostgreSQL name (letters, digits, underscores)", nameof(Schema));
        }

        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("no PostgreSQL connection string is set", nameof(ConnectionString));
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        }
        catch (ArgumentException)
        {
            // The parser's message may quote the string, password included: say only that it is malformed.
            throw new ArgumentException("the PostgreSQL connection string is not a valid Npgsql connection string", nameof(ConnectionString));
        }

        if (string.IsNullOrWhiteSpace(builder.Host) || string.IsNullOrWhiteSpace(builder.Database))
        {
            throw new ArgumentException("the PostgreSQL connection string must name Host and Database", nameof(ConnectionString));
        }
    }
}
