using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace OrleansTwoPc.Storage;

/// <summary>
/// Group commit across grains. A database makes a commit durable with one log flush (an fsync on SQLite; a WAL
/// flush on PostgreSQL), and that flush, not the row, is what a grain-state write costs. Writes queue here; each
/// lane takes everything queued (up to <c>maxBatch</c>) and runs it as one database transaction: every row through
/// the provider's own write query with its own version check, then one commit. A caller's task completes only after
/// that commit, so "acknowledged" still means "durable"; a row whose version check fails is reported to its caller
/// alone and the rest of the batch commits. No write waits for a batch to fill: a lane starts as soon as it is
/// free, so a lone write costs what it did before and a busy database amortises its flush over many writes.
/// </summary>
internal sealed partial class WriteBatcher : IAsyncDisposable
{
    private readonly Channel<RowWrite> _queue = Channel.CreateUnbounded<RowWrite>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Func<DbConnection> _connect;
    private readonly int _maxBatch;
    private readonly ILogger _logger;
    private readonly Action<int>? _observeBatch;
    private readonly Lock _startLock = new();
    private readonly int _lanes;
    private Task[]? _running;
    private string? _query;
    private long _transactions;
    private long _rows;

    /// <param name="connect">A new, unopened connection to the database.</param>
    /// <param name="lanes">Transactions in flight at once: 1 for SQLite (one writer), a few for PostgreSQL.</param>
    /// <param name="maxBatch">Most rows in one transaction.</param>
    /// <param name="observeBatch">Told the size of every committed batch (for metrics).</param>
    public WriteBatcher(Func<DbConnection> connect, int lanes, int maxBatch, ILogger logger, Action<int>? observeBatch = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lanes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _connect = connect;
        _lanes = lanes;
        _maxBatch = maxBatch;
        _logger = logger;
        _observeBatch = observeBatch;
    }

    private static readonly Dictionary<string, (WriteBatcher Batcher, int Leases)> Shared = new(StringComparer.Ordinal);

    /// <summary>
    /// The batcher of <paramref name="database"/> in this process, made by <paramref name="create"/> if none runs: silos
    /// hosted in one process share it, so one SQLite file has one writer. Dispose the lease when the silo stops.
    /// </summary>
    public static Lease Share(string database, Func<WriteBatcher> create)
    {
        lock (Shared)
        {
            var batcher = Shared.TryGetValue(database, out var entry) ? entry.Batcher : create();
            Shared[database] = (batcher, entry.Leases + 1);
            return new Lease(database, batcher);
        }
    }

    /// <summary>A silo's use of a shared batcher; the last lease disposed stops it (after its queued writes).</summary>
    public sealed class Lease(string database, WriteBatcher batcher) : IAsyncDisposable
    {
        private int _disposed;

        public WriteBatcher Batcher { get; } = batcher;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return ValueTask.CompletedTask;
            }

            lock (Shared)
            {
                var entry = Shared[database];
                if (entry.Leases > 1)
                {
                    Shared[database] = (entry.Batcher, entry.Leases - 1);
                    return ValueTask.CompletedTask;
                }

                Shared.Remove(database);
            }

            return Batcher.DisposeAsync();
        }
    }

    /// <summary>Transactions committed so far.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Rows written by those transactions (including rows whose version check refused them).</summary>
    public long Rows => Interlocked.Read(ref _rows);

    /// <summary>A new, unopened connection, as the lanes make them (tests read its session settings).</summary>
    internal DbConnection NewConnection() => _connect();

    /// <summary>Queues a write; the task completes when it is durable (new version) or refused (null).</summary>
    public Task<int?> WriteAsync(RowWrite write)
    {
        EnsureStarted();
        if (!_queue.Writer.TryWrite(write))
        {
            return Task.FromException<int?>(new ObjectDisposedException(nameof(WriteBatcher), "grain storage is shutting down"));
        }

        return write.Done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        Task[]? running;
        lock (_startLock)
        {
            running = _running;
        }

        if (running is not null)
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }

    private void EnsureStarted()
    {
        if (Volatile.Read(ref _running) is not null)
        {
            return;
        }

        lock (_startLock)
        {
            // Started on first use: the schema (and its query rows) exists by then.
            _running ??= Enumerable.Range(0, _lanes).Select(_ => Task.Run(LaneAsync)).ToArray();
        }
    }

    private async Task LaneAsync()
    {
        var batch = new List<RowWrite>(_maxBatch);
        DbConnection? connection = null;
        try
        {
            while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var write))
                {
                    batch.Add(write);
                }

                if (batch.Count == 0)
                {
                    continue;
                }

                connection = await RunAsync(connection, batch).ConfigureAwait(false);
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs one batch; returns the connection to keep using (null after a failure: open a fresh one).</summary>
    private async Task<DbConnection?> RunAsync(DbConnection? connection, List<RowWrite> batch)
    {
        int?[] versions;
        try
        {
            connection ??= await OpenAsync().ConfigureAwait(false);
            versions = await WriteAllAsync(connection, batch).ConfigureAwait(false);
        }
        catch (StatementFailedException failed) when (batch.Count > 1)
        {
            // A row failed and the transaction rolled back, so nothing in it landed: run each row on its own, so one bad
            // row fails alone. (Version conflicts are not failures; they return no row.)
            LogBatchSplit(_logger, batch.Count, failed.InnerException!);
            foreach (var write in batch)
            {
                connection = await RunAsync(connection, [write]).ConfigureAwait(false);
            }

            return connection;
        }
        catch (Exception exception)
        {
            // Could not open, or the commit itself failed: the outcome of the batch is unknown to its callers, as a
            // single failed write's would be. Their own retries carry their version, so nothing applies twice.
            var cause = exception is StatementFailedException ? exception.InnerException! : exception;
            foreach (var write in batch)
            {
                write.Done.TrySetException(cause);
            }

            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            return null;
        }

        Interlocked.Increment(ref _transactions);
        Interlocked.Add(ref _rows, batch.Count);
        _observeBatch?.Invoke(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Done.TrySetResult(versions[i]);
        }

        return connection;
    }

    private async Task<DbConnection> OpenAsync()
    {
        var connection = _connect();
        try
        {
            await connection.OpenAsync().ConfigureAwait(false);
            _query ??= await LoadQueryAsync(connection).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // The very text the provider runs: rows written here and by the provider are the same rows, version-checked alike.
    private static async Task<string> LoadQueryAsync(DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'WriteToStorageKey'";
        return await command.ExecuteScalarAsync().ConfigureAwait(false) as string
            ?? throw new InvalidOperationException("OrleansQuery has no WriteToStorageKey row: the storage schema is not installed");
    }

    private Task<int?[]> WriteAllAsync(DbConnection connection, List<RowWrite> batch) =>
        connection.CanCreateBatch ? PipelineAsync(connection, batch) : OneByOneAsync(connection, batch);

    // SQLite runs in this process: statements cost no round trip, so run them one after the other, then commit.
    private async Task<int?[]> OneByOneAsync(DbConnection connection, List<RowWrite> batch)
    {
        var versions = new int?[batch.Count];
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = _query;
        var parameters = Parameters(command.CreateParameter, command.Parameters);
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                Bind(parameters, batch[i]);
                versions[i] = await NewVersionAsync(command).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is DbException or InvalidOperationException)
        {
            await transaction.RollbackAsync().ConfigureAwait(false);
            throw new StatementFailedException(exception);
        }

        await transaction.CommitAsync().ConfigureAwait(false);
        return versions;
    }

    // PostgreSQL is a round trip away: send every row in one batch (one network write, one Sync). The server runs a
    // batch without an explicit transaction as one implicit transaction: an error in any statement rolls all back.
    private async Task<int?[]> PipelineAsync(DbConnection connection, List<RowWrite> batch)
    {
        var versions = new int?[batch.Count];
        await using var pipeline = connection.CreateBatch();
        foreach (var write in batch)
        {
            var command = pipeline.CreateBatchCommand();
            command.CommandText = _query!;
            Bind(Parameters(command.CreateParameter, command.Parameters), write);
            pipeline.BatchCommands.Add(command);
        }

        try
        {
            var reader = await pipeline.ExecuteReaderAsync().ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                // One result set per row's statement, in order. Npgsql raises a statement's error when its result set
                // is reached; disposing the reader consumes the end of the batch, where the server commits.
                for (var i = 0; i < batch.Count; i++)
                {
                    if (i > 0 && !await reader.NextResultAsync().ConfigureAwait(false))
                    {
                        throw new InvalidOperationException($"the write batch returned {i} result sets for {batch.Count} rows");
                    }

                    versions[i] = await VersionInResultAsync(reader).ConfigureAwait(false);
                }
            }
        }
        catch (DbException exception) when (connection.State == ConnectionState.Open)
        {
            // The server refused a statement and answered: the implicit transaction was rolled back.
            throw new StatementFailedException(exception);
        }

        return versions;
    }

    // The write query may be several statements (an update and an insert); at most one returns a row.
    private static async Task<int?> NewVersionAsync(DbCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        int? version = null;
        do
        {
            version = await VersionInResultAsync(reader).ConfigureAwait(false) ?? version;
        }
        while (await reader.NextResultAsync().ConfigureAwait(false));

        return version;
    }

    /// <summary>The new version in the reader's current result set, or null: the version check refused the row.</summary>
    private static async Task<int?> VersionInResultAsync(DbDataReader reader)
    {
        int? version = null;
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            if (!reader.IsDBNull(0))
            {
                version = Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return version;
    }

    // The provider's WriteToStorageKey parameters, in the order Bind fills them.
    private static readonly (string Name, DbType Type)[] Shape =
    [
        ("GrainIdHash", DbType.Int32), ("GrainIdN0", DbType.Int64), ("GrainIdN1", DbType.Int64), ("GrainTypeHash", DbType.Int32),
        ("GrainTypeString", DbType.String), ("GrainIdExtensionString", DbType.String), ("ServiceId", DbType.String),
        ("GrainStateVersion", DbType.Int32), ("PayloadBinary", DbType.Binary),
    ];

    private static DbParameter[] Parameters(Func<DbParameter> create, DbParameterCollection collection)
    {
        var parameters = new DbParameter[Shape.Length];
        for (var i = 0; i < Shape.Length; i++)
        {
            var parameter = create();
            parameter.ParameterName = Shape[i].Name;
            parameter.DbType = Shape[i].Type;
            collection.Add(parameter);
            parameters[i] = parameter;
        }

        return parameters;
    }

    private static void Bind(DbParameter[] p, RowWrite write)
    {
        // String keys only (see GrainRowKey): N0 and N1 are zero and the key is the extension string.
        p[0].Value = write.GrainIdHash;
        p[1].Value = 0L;
        p[2].Value = 0L;
        p[3].Value = write.GrainTypeHash;
        p[4].Value = write.GrainType;
        p[5].Value = write.Key;
        p[6].Value = write.ServiceId;
        p[7].Value = write.Version is { } version ? version : DBNull.Value;
        p[8].Value = write.Payload;
    }

    /// <summary>A statement of a batch failed and its transaction was rolled back: nothing in it landed.</summary>
    private sealed class StatementFailedException(Exception inner) : Exception("a statement of a write batch failed", inner);

    [LoggerMessage(EventId = 220, Level = LogLevel.Warning,
        Message = "A write in a batch of {Count} failed; the batch was rolled back and its writes run one by one")]
    private static partial void LogBatchSplit(ILogger logger, int count, Exception exception);
}
