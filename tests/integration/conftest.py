"""Backends for the contract suite: the in-memory fake, SQLite (file, memory), PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from fakes import InMemoryStore
from integration.pg import PostgresServer, postgres_server, run_sync
from ktv_domain import UnitOfWork
from ktv_sql import SqlUnitOfWorkFactory, create_engine, find_migrations_dir, migrate

BACKENDS = ["memory", "sqlite-file", "sqlite-memory",
            pytest.param("postgres", marks=pytest.mark.postgres)]
SQL_BACKENDS = ["sqlite-file", "sqlite-memory",
                pytest.param("postgres", marks=pytest.mark.postgres)]
ROOT = Path(__file__).resolve().parents[2]
SQLITE_MIGRATIONS = ROOT / "migrations_sqlite"
POSTGRES_MIGRATIONS = ROOT / "migrations_postgres"
_TABLES = "library_scans, media_files, schedule_records, slots, generations, channels, users"


@dataclass
class Backend:
    name: str
    uow: Callable[[], UnitOfWork]
    engine: AsyncEngine | None = None


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def pg_url(pg_server: PostgresServer) -> Iterator[str]:
    """A database of this test run, migrated once; dropped at the end."""
    url = pg_server.create_database()

    async def setup() -> None:
        engine = create_engine(url)
        await migrate(engine, POSTGRES_MIGRATIONS)
        await engine.dispose()

    try:
        run_sync(setup())
        yield url
    finally:
        pg_server.drop_database(url)


async def sql_engine(name: str, request: pytest.FixtureRequest, tmp_path: Path,
                     max_connections: int = 10) -> AsyncEngine:
    if name == "sqlite-file":
        engine = create_engine(f"sqlite:{tmp_path / 'ktv.db'}", max_connections=max_connections)
        await migrate(engine, SQLITE_MIGRATIONS)
    elif name == "sqlite-memory":
        engine = create_engine("sqlite::memory:")
        await migrate(engine, SQLITE_MIGRATIONS)
    else:
        url = request.getfixturevalue("pg_url")
        engine = create_engine(url, max_connections=max_connections)
        async with engine.begin() as conn:
            await conn.exec_driver_sql(f"TRUNCATE {_TABLES} RESTART IDENTITY CASCADE")
    return engine


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    name: str = request.param
    if name == "memory":
        yield Backend(name, InMemoryStore().uow)
        return
    engine = await sql_engine(name, request, tmp_path)
    try:
        yield Backend(name, SqlUnitOfWorkFactory(engine), engine)
    finally:
        await engine.dispose()


@pytest.fixture(params=SQL_BACKENDS)
async def sql_backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    engine = await sql_engine(request.param, request, tmp_path)
    try:
        yield Backend(request.param, SqlUnitOfWorkFactory(engine), engine)
    finally:
        await engine.dispose()


@pytest.fixture
def migrations_root() -> Path:
    return find_migrations_dir("sqlite").parent
