"""Migration 0004 on a database that already holds 0003 feed tokens (SQLite, PostgreSQL)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert

from integration.conftest import POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS
from integration.pg import PostgresServer
from ktv_domain import hash_feed_token, new_feed_token
from ktv_sql import SqlUnitOfWorkFactory, create_engine, migrate
from ktv_sql.tables import users
from support import T0


@pytest.fixture
def pg_fresh(pg_server: PostgresServer) -> Iterator[str]:
    with pg_server.database() as url:
        yield url


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgres",
                                                            marks=pytest.mark.postgres)])
async def test_an_existing_token_becomes_the_default_one(dialect: str, tmp_path: Path,
                                                         request: pytest.FixtureRequest) -> None:
    source = SQLITE_MIGRATIONS if dialect == "sqlite" else POSTGRES_MIGRATIONS
    old = tmp_path / "old"
    old.mkdir()
    for f in sorted(source.glob("000[123]_*.sql")):
        shutil.copy(f, old)
    url = (f"sqlite:{tmp_path / 'm.db'}" if dialect == "sqlite"
           else request.getfixturevalue("pg_fresh"))
    engine = create_engine(url)
    secret, user_id = new_feed_token(), uuid.uuid4()
    try:
        assert len(await migrate(engine, old)) == 3
        async with engine.begin() as conn:
            await conn.execute(insert(users).values(id=user_id, email="a@example.com",
                                                    is_admin=True, created_at=T0))
            await conn.exec_driver_sql(
                "INSERT INTO feed_tokens (user_id, token_hash, created_at) VALUES "
                + ("(?, ?, ?)" if dialect == "sqlite" else "($1, $2, $3)"),
                (user_id.hex if dialect == "sqlite" else user_id, hash_feed_token(secret),
                 1_700_000_000_000_000 if dialect == "sqlite" else T0))
        applied = await migrate(engine, source)
        assert [m.version for m in applied][:1] == [4]
        async with SqlUnitOfWorkFactory(engine)() as uow:
            found = await uow.feed_tokens.find(hash_feed_token(secret))
            assert found is not None
            assert (found.user_id, found.name, found.last_used_at) == (user_id, "default", None)
            assert [t.id for t in await uow.feed_tokens.list(found.user_id)] == [found.id]
    finally:
        await engine.dispose()
