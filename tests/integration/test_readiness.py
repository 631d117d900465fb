"""``/health/ready`` is a 503 while the database is unreachable or migrations are pending.

A load balancer or an orchestrator routes traffic by it, so it must say "not ready"
exactly when requests would fail: real SQLite files and a real PostgreSQL database
that goes away under a running app.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from litestar.testing import AsyncTestClient

from integration.conftest import SQLITE_MIGRATIONS
from integration.pg import PostgresServer
from ktv_api import Overrides, create_app, load_settings
from ktv_auth import Argon2PasswordHasher
from ktv_sql import create_engine, load_migrations, migrate

READY = "/api/v1/health/ready"


@asynccontextmanager
async def app_on(database_url: str, *, run_migrations: bool) -> AsyncIterator[
        AsyncTestClient]:  # type: ignore[type-arg]
    settings = load_settings({"JWT_SECRET": "readiness-tests-jwt-secret-0123456789abc",
                              "DATABASE_URL": database_url}, env_file=None)
    app = create_app(settings, overrides=Overrides(hasher=Argon2PasswordHasher.fast_for_tests()),
                     run_migrations=run_migrations, keeper=False, sync_interval=3600)
    async with AsyncTestClient(app=app) as client:
        yield client


def assert_unready(r: httpx.Response) -> dict[str, str]:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 503
    assert body["detail"].startswith("not ready (")
    checks: dict[str, str] = body["checks"]
    return checks


async def test_pending_migrations_make_it_unready(tmp_path: Path) -> None:
    migrations = load_migrations(SQLITE_MIGRATIONS)
    older = tmp_path / "older"
    older.mkdir()
    for m in migrations[:-1]:  # the database of a release before the last migration
        shutil.copy(SQLITE_MIGRATIONS / m.filename, older)
    url = f"sqlite:{tmp_path / 'ktv.db'}"
    engine = create_engine(url)
    await migrate(engine, older)
    await engine.dispose()

    async with app_on(url, run_migrations=False) as client:
        checks = assert_unready(await client.get(READY))
        assert checks["migrations"] == "1 pending"
        assert checks["database"] == "ok"  # reachable: only the schema is behind
    async with app_on(url, run_migrations=True) as client:  # migrating makes it ready
        r = await client.get(READY)
        assert r.status_code == 200, r.text
        assert r.json()["checks"]["migrations"] == "ok"


async def test_an_unreachable_sqlite_database_makes_it_unready(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path / 'no-such-folder' / 'ktv.db'}"
    async with app_on(url, run_migrations=False) as client:
        checks = assert_unready(await client.get(READY))
        assert checks["database"].startswith("unavailable: ")
        live = await client.get("/api/v1/health/live")  # the process itself is fine
        assert live.status_code == 200


@pytest.mark.postgres
async def test_a_postgres_database_gone_under_a_running_app_makes_it_unready(
        pg_server: PostgresServer) -> None:
    with pg_server.database() as url:
        async with app_on(url, run_migrations=True) as client:
            r = await client.get(READY)
            assert r.status_code == 200, r.text
            assert r.json()["checks"] == {"migrations": "ok", "database": "ok",
                                          "media_source": "not configured"}
            pg_server.drop_database(url)  # terminates the app's connections too
            checks = assert_unready(await client.get(READY))
            assert checks["database"].startswith("unavailable: ")
