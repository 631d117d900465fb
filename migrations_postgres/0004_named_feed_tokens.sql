-- 0004 IPTV: several named feed tokens per user (PostgreSQL). Keep logically equal to
-- migrations_sqlite/0004_named_feed_tokens.sql.
-- A user may hold several feed tokens (`default`, `jellyfin`, `living-room`...), unique by
-- name per user, each with its own id and the time it was last used. The token of 0003
-- becomes the user's `default` token (same hash: the URLs players hold keep working).
-- The guide marks a programme `previously-shown` from the first airing of its item on the
-- channel: an index on (channel, item, time) answers that without scanning the history.

ALTER TABLE feed_tokens RENAME TO feed_tokens_v1;
ALTER TABLE feed_tokens_v1 RENAME CONSTRAINT pk_feed_tokens TO pk_feed_tokens_v1;
ALTER TABLE feed_tokens_v1 RENAME CONSTRAINT uq_feed_tokens_token_hash TO uq_feed_tokens_v1_hash;
ALTER TABLE feed_tokens_v1 RENAME CONSTRAINT fk_feed_tokens_user TO fk_feed_tokens_v1_user;

CREATE TABLE feed_tokens (
    id           uuid        NOT NULL,
    user_id      uuid        NOT NULL,
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
    token_hash   text        NOT NULL CHECK (length(token_hash) = 64),
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    CONSTRAINT pk_feed_tokens PRIMARY KEY (id),
    CONSTRAINT fk_feed_tokens_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT uq_feed_tokens_token_hash UNIQUE (token_hash),
    CONSTRAINT uq_feed_tokens_user_name UNIQUE (user_id, name)
);

INSERT INTO feed_tokens (id, user_id, name, token_hash, created_at, last_used_at)
SELECT gen_random_uuid(), user_id, 'default', token_hash, created_at, NULL
FROM feed_tokens_v1;

DROP TABLE feed_tokens_v1;

CREATE INDEX ix_schedule_records_channel_item ON schedule_records (channel_id, item_id, scheduled_at);
