-- 0001 initial schema (SQLite). Keep logically equal to migrations_postgres/0001_initial.sql.
-- Ids: 32 lower-case hex digits. Timestamps: INTEGER microseconds since the Unix epoch (UTC).
-- JSON documents: TEXT. Never edit this file once released: add 0002_*.sql in both folders.
-- Later migrations add feed tokens and the local media index.

CREATE TABLE users (
    id            TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    password_hash TEXT,
    is_admin      INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    oidc_subject  TEXT,
    created_at    INTEGER NOT NULL,
    CONSTRAINT pk_users PRIMARY KEY (id),
    CONSTRAINT uq_users_email UNIQUE (email),
    CONSTRAINT uq_users_oidc_subject UNIQUE (oidc_subject)
);

CREATE TABLE channels (
    id              TEXT    NOT NULL,
    owner_id        TEXT    NOT NULL,
    number          TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    timezone        TEXT    NOT NULL DEFAULT 'UTC',
    enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    logo_url        TEXT,
    schedule_config TEXT    NOT NULL CHECK (json_valid(schedule_config)),
    recycle_policy  TEXT    NOT NULL CHECK (json_valid(recycle_policy)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CONSTRAINT pk_channels PRIMARY KEY (id),
    CONSTRAINT fk_channels_owner FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT uq_channels_owner_number UNIQUE (owner_id, number)
);

CREATE TABLE generations (
    id          TEXT    NOT NULL,
    channel_id  TEXT    NOT NULL,
    generation  INTEGER NOT NULL,
    valid_from  INTEGER NOT NULL,
    valid_until INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    warnings    TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(warnings)),
    CONSTRAINT pk_generations PRIMARY KEY (id),
    CONSTRAINT fk_generations_channel FOREIGN KEY (channel_id) REFERENCES channels (id)
        ON DELETE CASCADE,
    CONSTRAINT uq_generations_channel_generation UNIQUE (channel_id, generation)
);

CREATE TABLE slots (
    id         TEXT    NOT NULL,
    channel_id TEXT    NOT NULL,
    generation INTEGER NOT NULL,
    block_id   TEXT    NOT NULL,
    start_at   INTEGER NOT NULL,
    end_at     INTEGER NOT NULL,
    item_id    TEXT    NOT NULL,
    item       TEXT    NOT NULL,
    CONSTRAINT pk_slots PRIMARY KEY (id),
    CONSTRAINT fk_slots_channel FOREIGN KEY (channel_id) REFERENCES channels (id)
        ON DELETE CASCADE,
    CONSTRAINT ck_slots_positive CHECK (end_at > start_at)
);
-- A channel never has two slots starting together; EPG/now range scans use it.
CREATE UNIQUE INDEX ux_slots_channel_start ON slots (channel_id, start_at);
-- Continuity: each block's last slot at or before an instant.
CREATE INDEX ix_slots_channel_block_start ON slots (channel_id, block_id, start_at);

CREATE TABLE schedule_records (
    id           INTEGER NOT NULL,
    channel_id   TEXT    NOT NULL,
    item_id      TEXT    NOT NULL,
    scheduled_at INTEGER NOT NULL,
    generation   INTEGER NOT NULL,
    CONSTRAINT pk_schedule_records PRIMARY KEY (id),
    CONSTRAINT fk_schedule_records_channel FOREIGN KEY (channel_id) REFERENCES channels (id)
        ON DELETE CASCADE
);
CREATE INDEX ix_schedule_records_channel_scheduled ON schedule_records (channel_id, scheduled_at);
CREATE INDEX ix_schedule_records_channel_generation ON schedule_records (channel_id, generation);
