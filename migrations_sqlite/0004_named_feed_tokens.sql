-- 0004 IPTV: several named feed tokens per user (SQLite). Keep logically equal to
-- migrations_postgres/0004_named_feed_tokens.sql.
-- A user may hold several feed tokens (`default`, `jellyfin`, `living-room`...), unique by
-- name per user, each with its own id and the time it was last used. The token of 0003
-- becomes the user's `default` token (same hash: the URLs players hold keep working).
-- The guide marks a programme `previously-shown` from the first airing of its item on the
-- channel: an index on (channel, item, time) answers that without scanning the history.

CREATE TABLE feed_tokens_v2 (
    id           TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    name         TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
    token_hash   TEXT    NOT NULL CHECK (length(token_hash) = 64),
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    CONSTRAINT pk_feed_tokens PRIMARY KEY (id),
    CONSTRAINT fk_feed_tokens_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT uq_feed_tokens_token_hash UNIQUE (token_hash),
    CONSTRAINT uq_feed_tokens_user_name UNIQUE (user_id, name)
);

INSERT INTO feed_tokens_v2 (id, user_id, name, token_hash, created_at, last_used_at)
SELECT lower(hex(randomblob(16))), user_id, 'default', token_hash, created_at, NULL
FROM feed_tokens;

DROP TABLE feed_tokens;
ALTER TABLE feed_tokens_v2 RENAME TO feed_tokens;

CREATE INDEX ix_schedule_records_channel_item ON schedule_records (channel_id, item_id, scheduled_at);
