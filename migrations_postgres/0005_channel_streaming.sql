-- 0005 Channel streaming settings (PostgreSQL). Keep logically equal to
-- migrations_sqlite/0005_channel_streaming.sql.
-- stream_profile: 'transcode', 'copy', or NULL for the server's STREAM_PROFILE.
-- catchup_days: how many days back the channel can be replayed (0 turns catch-up off);
-- the keeper keeps schedule history for the longest window.

ALTER TABLE channels
    ADD COLUMN stream_profile text
        CONSTRAINT ck_channels_stream_profile
        CHECK (stream_profile IS NULL OR stream_profile IN ('transcode', 'copy')),
    ADD COLUMN catchup_days integer NOT NULL DEFAULT 7
        CONSTRAINT ck_channels_catchup_days CHECK (catchup_days BETWEEN 0 AND 30);
