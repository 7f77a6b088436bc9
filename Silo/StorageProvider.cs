namespace OrleansTwoPc.Silo;

/// <summary>Which database holds grain state (and, for <see cref="Postgres"/>, the silo host's cluster membership).</summary>
public enum StorageProvider
{
    /// <summary>A SQLite file through Orleans' ADO.NET provider (the default; one machine).</summary>
    Sqlite,

    /// <summary>In memory: lost when the silo stops. For tests and experiments only.</summary>
    Memory,

    /// <summary>
    /// PostgreSQL through Orleans' ADO.NET provider: the backend for more than one machine. The silo host also keeps
    /// cluster membership there (ADO.NET clustering) when this is selected.
    /// </summary>
    Postgres,
}
