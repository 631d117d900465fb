-- 0006 library scan status (PostgreSQL). Keep logically equal to
-- migrations_sqlite/0006_library_scans.sql.
-- The current or last scan of each media source ('local', 'jellyfin'): the replica that
-- scans (the keeper's leader) writes it, every replica reads it (GET /library/scan).
-- A 'requested' row is a scan asked for on any replica, which the leader starts.

CREATE TABLE library_scans (
    source      text        NOT NULL,
    state       text        NOT NULL
                CHECK (state IN ('idle', 'requested', 'running', 'done', 'failed')),
    started_at  timestamptz,
    finished_at timestamptz,
    files_seen  integer     NOT NULL DEFAULT 0,
    to_probe    integer     NOT NULL DEFAULT 0,
    probed      integer     NOT NULL DEFAULT 0,
    unchanged   integer     NOT NULL DEFAULT 0,
    skipped     integer     NOT NULL DEFAULT 0,
    removed     integer     NOT NULL DEFAULT 0,
    items       integer     NOT NULL DEFAULT 0,
    error       text,
    updated_at  timestamptz,
    CONSTRAINT pk_library_scans PRIMARY KEY (source)
);
