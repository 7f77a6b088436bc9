-- OrleansTwoPc grain storage for PostgreSQL: the grain-state table, plus the queries Orleans' ADO.NET storage
-- provider runs by key (table OrleansQuery). Written for this project against the provider's contract; idempotent.
-- Install it with TwoPcPostgresOptions.InstallSchema (the installer, PostgresSchema.cs, runs it in one transaction
-- under an advisory lock, so silos starting at the same moment apply it one after the other), or run this file
-- yourself (psql -f) in the schema OrleansTwoPc uses. Cluster membership is in postgres-membership.sql.
--
-- Names are unquoted: PostgreSQL folds them to lower case, and the providers look result columns up by name
-- case-insensitively. Tables land in the first schema of the connection's search_path: TwoPcPostgresOptions.Schema,
-- "twopc" by default, so an application's own Orleans tables in the same database are never touched.
--
-- Grain state parameters: @GrainIdHash @GrainIdN0 @GrainIdN1 @GrainTypeHash @GrainTypeString @GrainIdExtensionString
--   @ServiceId @GrainStateVersion @PayloadBinary. Reads return PayloadBinary, Version; writes and clears return
--   NewGrainStateVersion only when they applied (no row means "someone else wrote first": an ETag conflict).

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);

-- ---------------------------------------------------------------------------------------------------------------
-- Grain state: one row per grain state. The natural key is the whole grain identity (hashes first, so lookups
-- touch a narrow prefix). A string-keyed grain has N0 = N1 = 0 and its key in GrainIdExtensionString ('' when
-- absent, because NULLs would make the key non-unique).
-- ---------------------------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer     NOT NULL,
    GrainTypeHash          integer     NOT NULL,
    GrainIdN0              bigint      NOT NULL,
    GrainIdN1              bigint      NOT NULL,
    GrainTypeString        text        NOT NULL,
    GrainIdExtensionString text        NOT NULL,
    ServiceId              text        NOT NULL,
    PayloadBinary          bytea       NULL,
    ModifiedOn             timestamptz NOT NULL,
    Version                integer     NOT NULL,
    CONSTRAINT PK_OrleansStorage PRIMARY KEY (GrainIdHash, GrainTypeHash, ServiceId, GrainTypeString,
                                              GrainIdExtensionString, GrainIdN0, GrainIdN1)
);

-- For the retention sweep: rows of one service's state name by age. Indexed on an expression that a grain's own
-- reads and writes never contain, so the planner can only find their row through the primary key. An index led by
-- ServiceId and GrainTypeString (this file's earlier IX_OrleansStorage_Age, dropped here) looked just as selective
-- while the statistics had not yet seen a service id (autovacuum analyzes after a tenth of the table changed), and
-- the planner then scanned all of the service's rows for every read. The sweep's queries write the same expression.
DROP INDEX IF EXISTS IX_OrleansStorage_Age;
CREATE INDEX IF NOT EXISTS IX_OrleansStorage_Expiry ON OrleansStorage ((ServiceId || '/' || GrainTypeString), ModifiedOn);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', $q$
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash AND ServiceId = @ServiceId
  AND GrainTypeString = @GrainTypeString AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1;
$q$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- Versions wrap from 2147483647 (int.MaxValue, also the integer column's limit) to 1 in the write and clear queries
-- below: Orleans' ADO.NET provider (10.4.2) binds @GrainStateVersion from int.Parse(ETag) and reads versions with
-- Convert.ToInt32, so a 64-bit column would not help it. Never 0 or NULL (NULL means "no row"). A writer holding a
-- version from before the wrap would match again only after exactly 2^31 - 1 further writes to the row.
--
-- One statement: an update that applies only at the expected version, and an insert that applies only when no
-- version was expected and no row exists (a concurrent insert of the same grain makes ON CONFLICT skip it).
-- At most one of the two returns a row.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', $q$
WITH updated AS
(
    UPDATE OrleansStorage
    SET PayloadBinary = @PayloadBinary, ModifiedOn = now(), Version = CASE WHEN Version >= 2147483647 THEN 1 ELSE Version + 1 END
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash AND ServiceId = @ServiceId
      AND GrainTypeString = @GrainTypeString AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '')
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND Version = @GrainStateVersion
    RETURNING Version
),
inserted AS
(
    INSERT INTO OrleansStorage (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString,
                                GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
    SELECT @GrainIdHash, @GrainTypeHash, @GrainIdN0, @GrainIdN1, @GrainTypeString,
           COALESCE(@GrainIdExtensionString, ''), @ServiceId, @PayloadBinary, now(), 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING Version
)
SELECT Version AS NewGrainStateVersion FROM updated
UNION ALL
SELECT Version AS NewGrainStateVersion FROM inserted;
$q$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', $q$
UPDATE OrleansStorage
SET PayloadBinary = NULL, ModifiedOn = now(), Version = CASE WHEN Version >= 2147483647 THEN 1 ELSE Version + 1 END
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash AND ServiceId = @ServiceId
  AND GrainTypeString = @GrainTypeString AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;
$q$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
