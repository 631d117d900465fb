-- 0003 IPTV feed tokens (PostgreSQL). Keep logically equal to
-- migrations_sqlite/0003_feed_tokens.sql.
-- One token per user, stored only as the SHA-256 hex of the secret (ktv_domain.feed_tokens).
-- The unique constraint is the lookup index: a request's token is hashed and found by
-- equality on the hash, never by comparing secrets. Deleting the user deletes the token.

CREATE TABLE feed_tokens (
    user_id    uuid        NOT NULL,
    token_hash text        NOT NULL CHECK (length(token_hash) = 64),
    created_at timestamptz NOT NULL,
    CONSTRAINT pk_feed_tokens PRIMARY KEY (user_id),
    CONSTRAINT fk_feed_tokens_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT uq_feed_tokens_token_hash UNIQUE (token_hash)
);
