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
        if (stateName.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"a state name swept by age has no '/' (got '{stateName}')", nameof(stateName));
        }

        await using var connection = connect();
        await connection.OpenAsync(cancellationToken);
        var deleted = 0;
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var candidates = await CandidatesAsync(connection, serviceId, stateName, cutoff, skipped.Count + Batch, cancellationToken);
            var doomed = candidates.Where(c => !skipped.Contains(c.Key)).ToList();
            foreach (var candidate in doomed.Where(c => keep.Contains(ExactKeyGrainStorage.Unstored(c.Key))))
            {
                skipped.Add(candidate.Key);
            }

            doomed.RemoveAll(c => skipped.Contains(c.Key));
            foreach (var candidate in doomed)
            {
                deleted += await DeleteOneAsync(connection, serviceId, stateName, candidate, cutoff, cancellationToken);
            }

            if (candidates.Count < skipped.Count + Batch)
            {
                return deleted;
            }
        }
    }

    // Through IX_OrleansStorage_Expiry, whose expression the condition repeats (see the schema scripts). Only that
    // expression: SQLite substitutes constants into it when ServiceId and GrainTypeString are also compared, and then
    // no longer recognizes its index. A state name never has a '/', so the scope names one service and state name.
    private async Task<List<Candidate>> CandidatesAsync(DbConnection connection, string serviceId, string stateName,
        DateTimeOffset cutoff, int limit, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, """
            SELECT GrainIdExtensionString, GrainIdHash FROM OrleansStorage
            WHERE (ServiceId || '/' || GrainTypeString) = @Scope AND ModifiedOn < @Cutoff
            ORDER BY ModifiedOn LIMIT @Limit
            """, serviceId, stateName, cutoff);
        Parameter(command, "Scope", serviceId + "/" + stateName);
        Parameter(command, "Limit", limit);
        var candidates = new List<Candidate>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            candidates.Add(new Candidate(reader.GetString(0), reader.GetInt32(1)));
        }

        return candidates;
    }

    // Found through the primary key, which the hash leads. The age condition is repeated: a row written again since
    // it was listed is no longer expired and stays.
    private async Task<int> DeleteOneAsync(DbConnection connection, string serviceId, string stateName, Candidate row,
        DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, """
            DELETE FROM OrleansStorage
            WHERE GrainIdHash = @Hash AND ServiceId = @ServiceId AND GrainTypeString = @StateName AND GrainIdExtensionString = @Key
              AND ModifiedOn < @Cutoff
            """, serviceId, stateName, cutoff);
        Parameter(command, "Hash", row.Hash);
        Parameter(command, "Key", row.Key);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>An expired row: its stored key and its grain id hash.</summary>
    private readonly record struct Candidate(string Key, int Hash);

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
