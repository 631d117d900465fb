"""The schema as SQLAlchemy Core tables (the DDL itself lives in the migration files).

Timestamps: PostgreSQL ``timestamptz``; SQLite integer microseconds since the
Unix epoch (UTC), so ordering and range queries compare integers. Documents
(configs, item snapshots) are JSON text (``jsonb`` on PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = [
    "Timestamp",
    "channels",
    "feed_tokens",
    "generations",
    "library_scans",
    "media_files",
    "metadata",
    "schedule_records",
    "schema_migrations",
    "slots",
    "users",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


class Timestamp(TypeDecorator[datetime]):
    """An aware UTC instant: ``timestamptz`` on PostgreSQL, int microseconds on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError("timestamps must be timezone-aware")
        if dialect.name == "sqlite":
            return (value - _EPOCH) // _US
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return _EPOCH + timedelta(microseconds=value)
        assert isinstance(value, datetime)
        return value.astimezone(UTC)


class _RawJsonb(JSONB):
    """``jsonb`` whose values travel as JSON text (our codec does the (de)serializing).

    The engine's ``json_deserializer`` is the identity, so results stay text too.
    """

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class JsonText(TypeDecorator[str]):
    """A JSON document passed as text (column type ``jsonb`` on PostgreSQL)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return _RawJsonb()
        return dialect.type_descriptor(Text())


metadata = MetaData()

users = Table(
    "users", metadata,
    Column("id", Uuid(), primary_key=True),
    Column("email", Text, nullable=False, unique=True),
    Column("password_hash", Text),
    Column("is_admin", Boolean, nullable=False),
    Column("oidc_subject", Text, unique=True),
    Column("created_at", Timestamp, nullable=False),
)

channels = Table(
    "channels", metadata,
    Column("id", Uuid(), primary_key=True),
    Column("owner_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("number", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("timezone", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("logo_url", Text),
    Column("schedule_config", JsonText, nullable=False),
    Column("recycle_policy", JsonText, nullable=False),
    Column("stream_profile", Text),
    Column("catchup_days", Integer, nullable=False, server_default="7"),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

generations = Table(
    "generations", metadata,
    Column("id", Uuid(), primary_key=True),
    Column("channel_id", Uuid(), ForeignKey("channels.id", ondelete="CASCADE"),
           nullable=False),
    Column("generation", Integer, nullable=False),
    Column("valid_from", Timestamp, nullable=False),
    Column("valid_until", Timestamp, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("warnings", JsonText, nullable=False),
)

slots = Table(
    "slots", metadata,
    Column("id", Uuid(), primary_key=True),
    Column("channel_id", Uuid(), ForeignKey("channels.id", ondelete="CASCADE"),
           nullable=False),
    Column("generation", Integer, nullable=False),
    Column("block_id", Uuid(), nullable=False),
    Column("start_at", Timestamp, nullable=False),
    Column("end_at", Timestamp, nullable=False),
    Column("item_id", Text, nullable=False),
    Column("item", JsonText, nullable=False),
)

schedule_records = Table(
    "schedule_records", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("channel_id", Uuid(), ForeignKey("channels.id", ondelete="CASCADE"),
           nullable=False),
    Column("item_id", Text, nullable=False),
    Column("scheduled_at", Timestamp, nullable=False),
    Column("generation", Integer, nullable=False),
)

schema_migrations = Table(
    "schema_migrations", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("checksum", Text, nullable=False),
    Column("applied_at", Timestamp, nullable=False),
)

media_files = Table(
    "media_files", metadata,
    Column("item_id", Text, primary_key=True),
    Column("media_dir", Text, nullable=False),
    Column("relative_path", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False),
    Column("scanned_at", Timestamp, nullable=False),
    Column("item", JsonText),
    Column("collections", JsonText, nullable=False),
    Column("problem", Text),
)

feed_tokens = Table(
    "feed_tokens", metadata,
    Column("id", Uuid(), primary_key=True),
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False),
    Column("token_hash", Text, nullable=False, unique=True),
    Column("created_at", Timestamp, nullable=False),
    Column("last_used_at", Timestamp),
)

library_scans = Table(
    "library_scans", metadata,
    Column("source", Text, primary_key=True),
    Column("state", Text, nullable=False),
    Column("started_at", Timestamp),
    Column("finished_at", Timestamp),
    Column("files_seen", Integer, nullable=False),
    Column("to_probe", Integer, nullable=False),
    Column("probed", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("items", Integer, nullable=False),
    Column("error", Text),
    Column("updated_at", Timestamp),
)
