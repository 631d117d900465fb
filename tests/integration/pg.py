"""PostgreSQL for the integration tests: find a server, make scratch databases.

``KTV_TEST_POSTGRES_URL`` (an admin URL, e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``)
wins; otherwise a testcontainers PostgreSQL when a Docker engine answers;
otherwise the tests skip -- or fail when ``KTV_REQUIRE_POSTGRES=1`` (CI).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy.engine import make_url

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end on a private loop (also from inside a running loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _unavailable(reason: str) -> None:
    if os.environ.get("KTV_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required (KTV_REQUIRE_POSTGRES=1) but {reason}",
                    pytrace=False)
    pytest.skip(f"no PostgreSQL: {reason}; set KTV_TEST_POSTGRES_URL to run these tests")


def _plain(url: str) -> str:
    """An asyncpg-style DSN (no SQLAlchemy driver suffix)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(_plain(url), timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class PostgresServer:
    """An admin URL and the means to create and drop scratch databases on it."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url

    def create_database(self) -> str:
        name = f"ktv_test_{uuid.uuid4().hex[:12]}"
        run_sync(_admin(self.admin_url, f'CREATE DATABASE "{name}"'))
        return make_url(_plain(self.admin_url)).set(database=name).render_as_string(
            hide_password=False)

    def drop_database(self, url: str) -> None:
        name = make_url(url).database
        run_sync(_admin(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    @contextmanager
    def database(self) -> Iterator[str]:
        url = self.create_database()
        try:
            yield url
        finally:
            self.drop_database(url)


def _docker_reachable() -> bool:
    try:
        docker: Any = importlib.import_module("docker")
        client: Any = docker.from_env(timeout=3)
        return bool(client.ping())
    except Exception:
        return False


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    url = os.environ.get("KTV_TEST_POSTGRES_URL")
    if url:
        try:
            run_sync(_admin(url, "SELECT 1"))
        except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
            _unavailable(f"KTV_TEST_POSTGRES_URL does not answer ({type(exc).__name__}: "
                         f"{exc})")
        yield PostgresServer(url)
        return
    if not _docker_reachable():
        _unavailable("KTV_TEST_POSTGRES_URL is not set and no Docker engine is reachable "
                     "for testcontainers")
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16-alpine", driver=None) as container:
        yield PostgresServer(container.get_connection_url())
