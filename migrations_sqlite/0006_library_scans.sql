-- 0006 library scan status (SQLite). Keep logically equal to
-- migrations_postgres/0006_library_scans.sql.
-- The current or last scan of each media source ('local', 'jellyfin'): the replica that
-- scans (the keeper's leader) writes it, every replica reads it (GET /library/scan).
-- A 'requested' row is a scan asked for on any replica, which the leader starts.
-- Times are integer microseconds since the Unix epoch (UTC), as in every SQLite table.

CREATE TABLE library_scans (
    source      TEXT    NOT NULL,
    state       TEXT    NOT NULL
                CHECK (state IN ('idle', 'requested', 'running', 'done', 'failed')),
    started_at  INTEGER,
    finished_at INTEGER,
    files_seen  INTEGER NOT NULL DEFAULT 0,
    to_probe    INTEGER NOT NULL DEFAULT 0,
    probed      INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    removed     INTEGER NOT NULL DEFAULT 0,
    items       INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    updated_at  INTEGER,
    CONSTRAINT pk_library_scans PRIMARY KEY (source)
);
