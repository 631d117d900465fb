"""The migration runner on real SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from integration.conftest import POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS
from integration.pg import PostgresServer
from ktv_sql import (
    MigrationChecksumMismatch,
    MigrationFileError,
    MigrationMissing,
    create_engine,
    find_migrations_dir,
    load_migrations,
    migrate,
    migration_status,
)
from ktv_sql.sqlscript import split_statements


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The real first migration and a made-up second one (later real ones left out)."""
    dest = tmp_path / "migrations_sqlite"
    dest.mkdir()
    shutil.copy(SQLITE_MIGRATIONS / "0001_initial.sql", dest)
    (dest / "0002_extra.sql").write_text(
        "-- a second step; with a ';' in a comment\n"
        "CREATE TABLE extra (id INTEGER PRIMARY KEY, note TEXT DEFAULT 'a;b');\n"
        "INSERT INTO extra (note) VALUES ('it''s; fine');\n")
    return dest


@pytest.fixture
async def engine(tmp_path: Path) -> Any:
    eng = create_engine(f"sqlite:{tmp_path / 'm.db'}")
    yield eng
    await eng.dispose()


async def test_fresh_database_then_rerun_is_a_no_op(engine: AsyncEngine, folder: Path) -> None:
    assert [m.version for m in await migration_status(engine, folder)] == [1, 2]
    assert {s.state for s in await migration_status(engine, folder)} == {"pending"}
    applied = await migrate(engine, folder)
    assert [m.filename for m in applied] == ["0001_initial.sql", "0002_extra.sql"]
    assert await migrate(engine, folder) == []
    states = await migration_status(engine, folder)
    assert [(s.version, s.name, s.state) for s in states] == [
        (1, "initial", "applied"), (2, "extra", "applied")]
    assert all(s.applied_at is not None for s in states)
    async with engine.connect() as conn:
        note = (await conn.exec_driver_sql("SELECT note FROM extra")).scalar_one()
    assert note == "it's; fine"


async def test_pending_migrations_apply_in_order(engine: AsyncEngine, folder: Path) -> None:
    extra = (folder / "0002_extra.sql").read_text()
    (folder / "0002_extra.sql").unlink()
    assert len(await migrate(engine, folder)) == 1
    (folder / "0002_extra.sql").write_text(extra)
    states = await migration_status(engine, folder)
    assert [s.state for s in states] == ["applied", "pending"]
    assert [m.version for m in await migrate(engine, folder)] == [2]


async def test_an_edited_applied_migration_is_refused(engine: AsyncEngine, folder: Path) -> None:
    await migrate(engine, folder)
    path = folder / "0002_extra.sql"
    path.write_text(path.read_text() + "\n-- edited\n")
    with pytest.raises(MigrationChecksumMismatch, match=r"0002_extra\.sql"):
        await migrate(engine, folder)
    with pytest.raises(MigrationChecksumMismatch, match=r"0002_extra\.sql"):
        await migration_status(engine, folder)


async def test_a_missing_applied_migration_is_refused(engine: AsyncEngine, folder: Path) -> None:
    await migrate(engine, folder)
    (folder / "0002_extra.sql").unlink()
    with pytest.raises(MigrationMissing, match=r"0002_extra\.sql"):
        await migrate(engine, folder)


async def test_a_failing_migration_leaves_nothing(engine: AsyncEngine, folder: Path) -> None:
    (folder / "0003_broken.sql").write_text("CREATE TABLE t3 (id INTEGER);\nNOT SQL AT ALL;\n")
    with pytest.raises(Exception, match="syntax error"):
        await migrate(engine, folder)
    states = await migration_status(engine, folder)
    assert [s.state for s in states] == ["applied", "applied", "pending"]
    async with engine.connect() as conn:
        assert not await conn.run_sync(lambda c: inspect(c).has_table("t3"))


def test_badly_named_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "1_x.sql").write_text("")
    with pytest.raises(MigrationFileError, match=r"1_x\.sql"):
        load_migrations(tmp_path)
    with pytest.raises(MigrationFileError):
        load_migrations(tmp_path / "nope")
    (tmp_path / "1_x.sql").unlink()
    (tmp_path / "0001_a.sql").write_text("")
    (tmp_path / "0001_b.sql").write_text("")
    with pytest.raises(MigrationFileError, match="0001"):
        load_migrations(tmp_path)


def test_find_migrations_dir(tmp_path: Path) -> None:
    assert find_migrations_dir("sqlite") == SQLITE_MIGRATIONS
    assert find_migrations_dir("postgresql") == POSTGRES_MIGRATIONS
    assert find_migrations_dir("sqlite", tmp_path) == tmp_path
    with pytest.raises(MigrationFileError):
        find_migrations_dir("sqlite", tmp_path / "missing")


def test_split_statements_respects_quotes_comments_and_dollar_bodies() -> None:
    script = ("-- c;\nCREATE TABLE a (x TEXT DEFAULT ';');\n/* ; */\n"
              "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;;\n")
    assert split_statements(script) == [
        "CREATE TABLE a (x TEXT DEFAULT ';')",
        "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql"]


# -- PostgreSQL ---------------------------------------------------------------------------

@pytest.fixture
def pg_fresh(pg_server: PostgresServer) -> Iterator[str]:
    with pg_server.database() as url:
        yield url


def _schema(conn: Connection) -> dict[str, Any]:
    insp = inspect(conn)
    out: dict[str, Any] = {}
    for table in sorted(insp.get_table_names()):
        pk = insp.get_pk_constraint(table)
        out[table] = {
            "columns": [(c["name"], c["nullable"]) for c in insp.get_columns(table)],
            "pk": (pk["name"], tuple(pk["constrained_columns"])),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                              for i in insp.get_indexes(table)
                              if not i.get("duplicates_constraint")),
            "uniques": sorted((u["name"], tuple(u["column_names"]))
                              for u in insp.get_unique_constraints(table)),
            "fks": sorted((f["name"], tuple(f["constrained_columns"]), f["referred_table"],
                           tuple(f["referred_columns"]),
                           (f.get("options") or {}).get("ondelete", "").upper())
                          for f in insp.get_foreign_keys(table)),
        }
    return out


@pytest.mark.postgres
async def test_both_dialects_produce_the_same_logical_schema(pg_fresh: str,
                                                             tmp_path: Path) -> None:
    lite = create_engine(f"sqlite:{tmp_path / 's.db'}")
    pg = create_engine(pg_fresh)
    try:
        await migrate(lite, SQLITE_MIGRATIONS)
        await migrate(pg, POSTGRES_MIGRATIONS)
        async with lite.connect() as c1, pg.connect() as c2:
            lite_schema = await c1.run_sync(_schema)
            pg_schema = await c2.run_sync(_schema)
    finally:
        await lite.dispose()
        await pg.dispose()
    assert set(lite_schema) >= {"users", "channels", "generations", "slots",
                                "schedule_records", "schema_migrations"}
    assert lite_schema == pg_schema


@pytest.mark.postgres
async def test_concurrent_start_on_postgres_is_safe(pg_fresh: str) -> None:
    engines = [create_engine(pg_fresh) for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrate(e, POSTGRES_MIGRATIONS) for e in engines))
        # Each version applied exactly once, whichever process got there first.
        assert sorted(m.version for r in results for m in r) == [
            m.version for m in load_migrations(POSTGRES_MIGRATIONS)]
        states = await migration_status(engines[0], POSTGRES_MIGRATIONS)
        assert {s.state for s in states} == {"applied"}
    finally:
        for e in engines:
            await e.dispose()


async def test_concurrent_start_on_sqlite_is_safe(tmp_path: Path) -> None:
    """Several processes open a fresh file while another holds its write lock.

    Switching to WAL needs an exclusive lock and SQLite refuses it at once (no busy
    wait) while another connection holds RESERVED: every engine must retry until the
    lock is released, not crash. The lock is held deterministically, then released
    from another thread (the retry loop blocks the event loop while it waits).
    """
    path = tmp_path / "c.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, holder.rollback)
    engines = [create_engine(f"sqlite:{path}") for _ in range(3)]
    release.start()
    try:
        results = await asyncio.gather(*(migrate(e, SQLITE_MIGRATIONS) for e in engines))
        assert sorted(m.version for r in results for m in r) == [
            m.version for m in load_migrations(SQLITE_MIGRATIONS)]
    finally:
        release.join()
        holder.close()
        for e in engines:
            await e.dispose()


@pytest.mark.postgres
async def test_postgres_rerun_and_edit_refused(pg_fresh: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations_postgres"
    shutil.copytree(POSTGRES_MIGRATIONS, folder)
    engine = create_engine(pg_fresh)
    try:
        assert len(await migrate(engine, folder)) == len(load_migrations(folder))
        assert await migrate(engine, folder) == []
        (folder / "0001_initial.sql").write_text("-- changed\n")
        with pytest.raises(MigrationChecksumMismatch, match=r"0001_initial\.sql"):
            await migrate(engine, folder)
    finally:
        await engine.dispose()


class _LockedOnceCursor:
    """A DB-API cursor as SQLAlchemy's aiosqlite adapter is inside a ``connect`` event:
    ``execute`` hands back the driver's own cursor (not rows), ``fetchone`` fetches. The
    first switch to WAL finds the file locked by another process switching it."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self._row: tuple[str] | None = None

    def execute(self, sql: str) -> object:
        self.statements.append(sql)
        if sql == "PRAGMA journal_mode=WAL" and len(self.statements) == 1:
            import sqlite3
            raise sqlite3.OperationalError("database is locked")
        self._row = ("wal",)
        return object()

    def fetchone(self) -> tuple[str] | None:
        return self._row


def test_a_file_another_process_switched_to_wal_meanwhile_is_accepted() -> None:
    """Found by the gate: three processes migrating a fresh file at once made this path
    index the result of ``execute`` (a TypeError) instead of fetching."""
    from ktv_sql.engine import _enable_wal

    cursor = _LockedOnceCursor()
    _enable_wal(cursor)
    assert cursor.statements == ["PRAGMA journal_mode=WAL", "PRAGMA journal_mode"]
