"""The migration runner: ordered ``NNNN_name.sql`` files, checksummed, applied once.

Rules: each file runs in its own transaction together with its row in
``schema_migrations`` (version, name, sha256 checksum, applied_at). Before
anything runs, every applied migration is checked against its file; an edited,
renamed or missing file stops the run with an error naming it. Two processes
starting together are safe: each step holds ``pg_advisory_xact_lock`` on
PostgreSQL, or SQLite's write lock (``BEGIN IMMEDIATE``), and re-reads what
is applied once it has the lock.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .engine import SQLITE_BEGIN
from .errors import (
    MigrationChecksumMismatch,
    MigrationFileError,
    MigrationMissing,
)
from .sqlscript import split_statements
from .tables import schema_migrations

__all__ = [
    "AppliedMigration",
    "Migration",
    "MigrationState",
    "find_migrations_dir",
    "load_migrations",
    "migrate",
    "migration_status",
]

_FILE = re.compile(r"(\d{4})_([A-Za-z0-9_]+)\.sql")
#: pg_advisory_xact_lock key of the runner ("KTVM").
_LOCK_KEY = 0x4B54564D
_CREATE = {
    "sqlite": """CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER NOT NULL, name TEXT NOT NULL, checksum TEXT NOT NULL,
        applied_at INTEGER NOT NULL, CONSTRAINT pk_schema_migrations PRIMARY KEY (version))""",
    "postgresql": """CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer NOT NULL, name text NOT NULL, checksum text NOT NULL,
        applied_at timestamptz NOT NULL,
        CONSTRAINT pk_schema_migrations PRIMARY KEY (version))""",
}


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    path: Path
    sql: str
    checksum: str

    @property
    def filename(self) -> str:
        return self.path.name


@dataclass(frozen=True, slots=True)
class AppliedMigration:
    version: int
    name: str
    checksum: str
    applied_at: datetime


@dataclass(frozen=True, slots=True)
class MigrationState:
    """One line of ``ktv migrate --status``."""

    version: int
    name: str
    state: Literal["applied", "pending"]
    applied_at: datetime | None = None


def find_migrations_dir(dialect: str, explicit: str | Path | None = None, *,
                        start: Path | None = None) -> Path:
    """The ``migrations_<sqlite|postgres>`` folder.

    ``explicit`` wins when given; otherwise the folder is looked for in the
    working directory and its parents, then next to this package and its
    parents (a source checkout).
    """
    if explicit is not None:
        path = Path(explicit)
        if not path.is_dir():
            raise MigrationFileError(f"migrations folder {path} does not exist")
        return path
    folder = "migrations_" + ("postgres" if dialect.startswith("postgres") else "sqlite")
    for base in (start or Path.cwd(), Path(__file__).resolve().parent):
        for parent in (base, *base.parents):
            if (parent / folder).is_dir():
                return parent / folder
    raise MigrationFileError(f"no {folder} folder found; pass its path explicitly")


def load_migrations(directory: str | Path) -> list[Migration]:
    """The migration files of ``directory`` ordered by version."""
    path = Path(directory)
    if not path.is_dir():
        raise MigrationFileError(f"migrations folder {path} does not exist")
    found: dict[int, Migration] = {}
    for file in sorted(path.iterdir()):
        if file.suffix != ".sql":
            continue
        m = _FILE.fullmatch(file.name)
        if m is None:
            raise MigrationFileError(f"{file}: migration files are named NNNN_name.sql")
        version = int(m.group(1))
        if version in found:
            raise MigrationFileError(f"{file}: version {version:04d} is also used by "
                                     f"{found[version].filename}")
        data = file.read_bytes()
        found[version] = Migration(version=version, name=m.group(2), path=file,
                                   sql=data.decode("utf-8"),
                                   checksum=hashlib.sha256(data).hexdigest())
    return [found[v] for v in sorted(found)]


async def _applied(conn: AsyncConnection) -> dict[int, AppliedMigration]:
    rows = await conn.execute(select(schema_migrations).order_by(schema_migrations.c.version))
    return {r.version: AppliedMigration(r.version, r.name, r.checksum, r.applied_at)
            for r in rows}


def _verify(applied: dict[int, AppliedMigration], files: list[Migration],
            directory: Path) -> None:
    by_version = {m.version: m for m in files}
    for a in applied.values():
        expected = f"{a.version:04d}_{a.name}.sql"
        m = by_version.get(a.version)
        if m is None:
            raise MigrationMissing(f"applied migration {expected} is missing from {directory}")
        if m.name != a.name:
            raise MigrationChecksumMismatch(
                f"applied migration {expected} was renamed to {m.filename}; "
                "never change an applied migration, add a new one")
        if m.checksum != a.checksum:
            raise MigrationChecksumMismatch(
                f"{m.path} was edited after it was applied (checksum {m.checksum[:12]} "
                f"!= recorded {a.checksum[:12]}); never edit an applied migration, "
                "add a new numbered file instead")


async def _begin_locked(engine: AsyncEngine) -> AsyncConnection:
    conn = await engine.connect()
    try:
        if engine.dialect.name == "sqlite":
            conn = await conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
            await conn.begin()
        else:
            await conn.begin()
            await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
        await conn.exec_driver_sql(_CREATE[engine.dialect.name])
    except BaseException:
        await conn.close()
        raise
    return conn


async def migrate(engine: AsyncEngine, directory: str | Path) -> list[Migration]:
    """Apply the pending migrations of ``directory`` in order; the ones applied now."""
    directory = Path(directory)
    files = load_migrations(directory)
    done: list[Migration] = []
    while True:
        conn = await _begin_locked(engine)
        try:
            applied = await _applied(conn)
            _verify(applied, files, directory)
            pending = [m for m in files if m.version not in applied]
            if not pending:
                await conn.commit()
                return done
            m = pending[0]
            for statement in split_statements(m.sql):
                await conn.exec_driver_sql(statement)
            await conn.execute(insert(schema_migrations).values(
                version=m.version, name=m.name, checksum=m.checksum,
                applied_at=datetime.now(UTC)))
            await conn.commit()
            done.append(m)
        finally:
            await conn.close()


async def migration_status(engine: AsyncEngine, directory: str | Path) -> list[MigrationState]:
    """Applied and pending migrations, by version (also checks applied files are intact)."""
    directory = Path(directory)
    files = load_migrations(directory)
    async with engine.connect() as conn:
        exists = await conn.run_sync(
            lambda sync: inspect(sync).has_table(schema_migrations.name))
        applied = await _applied(conn) if exists else {}
        await conn.rollback()
    _verify(applied, files, directory)
    states = [MigrationState(a.version, a.name, "applied", a.applied_at)
              for a in applied.values()]
    states += [MigrationState(m.version, m.name, "pending") for m in files
               if m.version not in applied]
    return sorted(states, key=lambda s: s.version)
