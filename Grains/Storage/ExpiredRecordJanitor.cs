using System.Data.Common;

namespace OrleansTwoPc.Storage;

/// <summary>
/// Deletes grain-state rows of one state name that nobody has written since a cutoff, except chosen keys, straight
/// in the database: completed operation records are never activated again, so no grain could remove them itself.
/// Works on the project's own schema (SQLite and PostgreSQL), where keys are stored exactly (<see cref="ExactKeyGrainStorage"/>).
/// </summary>
/// <param name="connect">Opens a connection to the database.</param>
/// <param name="timestamp">Turns the cutoff into the parameter value the database compares ModifiedOn with.</param>
public sealed class ExpiredRecordJanitor(Func<DbConnection> connect, Func<DateTimeOffset, object> timestamp)
{
    private const int Batch = 500;

    /// <summary>A new, unopened connection, as the janitor makes them (tests read its session settings).</summary>
    internal DbConnection NewConnection() => connect();

    /// <summary>Deletes the rows; returns how many.</summary>
    /// <param name="keep">Grain keys (as the grains know them, unprefixed) whose rows stay whatever their age.</param>
    public async Task<int> DeleteAsync(string serviceId, string stateName, DateTimeOffset cutoff, IReadOnlySet<string> keep,
        CancellationToken cancellationToken)
    {
        await using var connection = connect();
        await connection.OpenAsync(cancellationToken);
        var deleted = 0;
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var candidates = await CandidatesAsync(connection, serviceId, stateName, cutoff, skipped.Count + Batch, cancellationToken);
            var doomed = candidates.Where(k => !skipped.Contains(k)).ToList();
            foreach (var key in doomed.Where(k => keep.Contains(ExactKeyGrainStorage.Unstored(k))))
            {
                skipped.Add(key);
            }

            doomed.RemoveAll(skipped.Contains);
            foreach (var key in doomed)
            {
                deleted += await DeleteOneAsync(connection, serviceId, stateName, key, cutoff, cancellationToken);
            }

            if (candidates.Count < skipped.Count + Batch)
            {
                return deleted;
            }
        }
    }

    private async Task<List<string>> CandidatesAsync(DbConnection connection, string serviceId, string stateName,
        DateTimeOffset cutoff, int limit, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, """
            SELECT GrainIdExtensionString FROM OrleansStorage
            WHERE ServiceId = @ServiceId AND GrainTypeString = @StateName AND ModifiedOn < @Cutoff
            ORDER BY ModifiedOn LIMIT @Limit
            """, serviceId, stateName, cutoff);
        Parameter(command, "Limit", limit);
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    // The age condition is repeated: a row written again since it was listed is no longer expired and stays.
    private async Task<int> DeleteOneAsync(DbConnection connection, string serviceId, string stateName, string key,
        DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, """
            DELETE FROM OrleansStorage
            WHERE ServiceId = @ServiceId AND GrainTypeString = @StateName AND GrainIdExtensionString = @Key AND ModifiedOn < @Cutoff
            """, serviceId, stateName, cutoff);
        Parameter(command, "Key", key);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private DbCommand Command(DbConnection connection, string sql, string serviceId, string stateName, DateTimeOffset cutoff)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        Parameter(command, "ServiceId", serviceId);
        Parameter(command, "StateName", stateName);
        Parameter(command, "Cutoff", timestamp(cutoff));
        return command;
    }

    private static void Parameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
