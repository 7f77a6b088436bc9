-- OrleansTwoPc schema for SQLite: the grain-state table and the queries Orleans' ADO.NET provider runs by key.
-- Idempotent: safe to run at every start. Written for this project against the provider's contract:
--   parameters @GrainIdHash @GrainIdN0 @GrainIdN1 @GrainTypeHash @GrainTypeString @GrainIdExtensionString
--   @ServiceId @GrainStateVersion @PayloadBinary; reads return PayloadBinary, Version; writes and clears return
--   NewGrainStateVersion only when they applied (no row means "someone else wrote first": an ETag conflict).

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);

-- One row per grain state. The natural key is the whole grain identity; the hashes lead so lookups touch a
-- narrow prefix. A string-keyed grain has N0 = N1 = 0 and its key in GrainIdExtensionString ('' when absent,
-- because NULLs would make the key non-unique).
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            INTEGER NOT NULL,
    GrainTypeHash          INTEGER NOT NULL,
    GrainIdN0              INTEGER NOT NULL,
    GrainIdN1              INTEGER NOT NULL,
    GrainTypeString        TEXT    NOT NULL,
    GrainIdExtensionString TEXT    NOT NULL,
    ServiceId              TEXT    NOT NULL,
    PayloadBinary          BLOB    NULL,
    ModifiedOn             TEXT    NOT NULL,
    Version                INTEGER NOT NULL,
    PRIMARY KEY (GrainIdHash, GrainTypeHash, ServiceId, GrainTypeString, GrainIdExtensionString, GrainIdN0, GrainIdN1)
) WITHOUT ROWID;

-- For the retention sweep: rows of one service's state name by age, on the expression its queries write. The same
-- index as on PostgreSQL (see postgres-storage.sql: there an index led by ServiceId and GrainTypeString, the
-- earlier IX_OrleansStorage_Age dropped here, took point reads away from the primary key).
DROP INDEX IF EXISTS IX_OrleansStorage_Age;
CREATE INDEX IF NOT EXISTS IX_OrleansStorage_Expiry ON OrleansStorage ((ServiceId || '/' || GrainTypeString), ModifiedOn);

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash AND ServiceId = @ServiceId
  AND GrainTypeString = @GrainTypeString AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1;
');

-- Versions wrap from 2147483647 (int.MaxValue) to 1 in the write and clear queries below. Orleans' ADO.NET provider
-- (10.4.2) is 32-bit bound: it binds @GrainStateVersion from int.Parse(ETag) and reads Version and
-- NewGrainStateVersion with Convert.ToInt32, so a row past int.MaxValue could be neither written nor read by it.
-- Wrapping keeps every version an int and never 0 or NULL (NULL means "no row"). A writer holding a version from
-- before the wrap would match again only after exactly 2^31 - 1 further writes to the row.
--
-- Two single statements, each atomic on its own: an update that applies only at the expected version, and an
-- insert that applies only when no version was expected and no row exists. At most one returns a row.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
UPDATE OrleansStorage
SET PayloadBinary = @PayloadBinary, ModifiedOn = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''), Version = CASE WHEN Version >= 2147483647 THEN 1 ELSE Version + 1 END
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash AND ServiceId = @ServiceId
  AND GrainTypeString = @GrainTypeString AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;

INSERT INTO OrleansStorage (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString,
                            ServiceId, PayloadBinary, ModifiedOn, Version)
SELECT @GrainIdHash, @GrainTypeHash, @GrainIdN0, @GrainIdN1, @GrainTypeString, COALESCE(@GrainIdExtensionString, ''''),
       @ServiceId, @PayloadBinary, strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''), 1
WHERE @GrainStateVersion IS NULL
ON CONFLICT DO NOTHING
RETURNING Version AS NewGrainStateVersion;
');

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
UPDATE OrleansStorage
SET PayloadBinary = NULL, ModifiedOn = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''), Version = CASE WHEN Version >= 2147483647 THEN 1 ELSE Version + 1 END
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash AND ServiceId = @ServiceId
  AND GrainTypeString = @GrainTypeString AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;
');
