-- 0002 the local-folder library's index (PostgreSQL). Keep logically equal to
-- migrations_sqlite/0002_media_files.sql.
-- One row per video file found under MEDIA_DIRS. A rescan compares (size, mtime_ns)
-- with the file on disk and probes only new or changed files. `item` is the
-- MediaItem snapshot (NULL when the file could not be read as media: `problem`
-- says why, and the file is not probed again until it changes).

CREATE TABLE media_files (
    item_id       text        NOT NULL,
    media_dir     text        NOT NULL,
    relative_path text        NOT NULL,
    size          bigint      NOT NULL CHECK (size >= 0),
    mtime_ns      bigint      NOT NULL,
    scanned_at    timestamptz NOT NULL,
    item          jsonb,
    collections   jsonb       NOT NULL DEFAULT '[]'::jsonb,
    problem       text,
    CONSTRAINT pk_media_files PRIMARY KEY (item_id),
    CONSTRAINT uq_media_files_path UNIQUE (media_dir, relative_path)
);
-- The change marker (count, newest scan) replicas poll.
CREATE INDEX ix_media_files_scanned_at ON media_files (scanned_at);
