-- 0002 the local-folder library's index (SQLite). Keep logically equal to
-- migrations_postgres/0002_media_files.sql.
-- One row per video file found under MEDIA_DIRS. A rescan compares (size, mtime_ns)
-- with the file on disk and probes only new or changed files. `item` is the
-- MediaItem snapshot (NULL when the file could not be read as media: `problem`
-- says why, and the file is not probed again until it changes).

CREATE TABLE media_files (
    item_id       TEXT    NOT NULL,
    media_dir     TEXT    NOT NULL,
    relative_path TEXT    NOT NULL,
    size          INTEGER NOT NULL CHECK (size >= 0),
    mtime_ns      INTEGER NOT NULL,
    scanned_at    INTEGER NOT NULL,
    item          TEXT    CHECK (item IS NULL OR json_valid(item)),
    collections   TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(collections)),
    problem       TEXT,
    CONSTRAINT pk_media_files PRIMARY KEY (item_id),
    CONSTRAINT uq_media_files_path UNIQUE (media_dir, relative_path)
);
-- The change marker (count, newest scan) replicas poll.
CREATE INDEX ix_media_files_scanned_at ON media_files (scanned_at);
