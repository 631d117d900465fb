"""Two replicas on one PostgreSQL with a real local library: one scans, both report it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from ktv_api import Overrides, create_app, load_settings
from ktv_api.library_scans import LocalScans
from ktv_auth import Argon2PasswordHasher
from support.ffmpeg import encode

pytestmark = pytest.mark.postgres
SCAN = "/api/v1/library/scan"


@pytest.fixture
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    from integration.conftest import sql_engine

    engine = await sql_engine("postgres", request, tmp_path)  # migrated and emptied
    await engine.dispose()
    url: str = request.getfixturevalue("pg_url")
    return url


def _scans(client: Any) -> LocalScans:
    scanner = client.app.state.ktv.scanner
    assert isinstance(scanner, LocalScans)
    return scanner


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(400):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


async def test_only_the_leader_scans_and_every_replica_reports_the_same_status(
        database_url: str, tmp_path: Path) -> None:
    media = tmp_path / "media"
    for n in (1, 2, 3):
        encode(media / "Show" / "Season 01" / f"Show - S01E0{n} - Part {n}.mp4", 2,
               size="80x45")
    settings = load_settings({"DATABASE_URL": database_url, "MEDIA_DIRS": str(media),
                              "SHORT_MAX_SECS": "1", "LIBRARY_SCAN_INTERVAL_MINS": "0",
                              "JWT_SECRET": "r" * 40, "LOG_LEVEL": "warning"}, env_file=None)

    def replica() -> AsyncTestClient[Any]:
        return AsyncTestClient(create_app(
            settings, overrides=Overrides(hasher=Argon2PasswordHasher.fast_for_tests()),
            keeper=False, scan_poll=0.05))

    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(replica())
        r = await a.post("/api/v1/auth/register",
                         json={"email": "admin@example.com", "password": "password123"})
        admin = {"Authorization": f"Bearer {r.json()['access_token']}"}

        async def done_on(client: Any) -> bool:
            return bool((await client.get(SCAN, headers=admin)).json()["state"] == "done")

        await _until(lambda: done_on(a), "the start-up scan is done")
        async with replica() as b:
            await asyncio.sleep(0.5)  # ten of b's polls
            assert (_scans(a).scans_here, _scans(b).scans_here) == (1, 0)
            on_a = (await a.get(SCAN, headers=admin)).json()
            assert on_a["items"] == 3
            assert (await b.get(SCAN, headers=admin)).json() == on_a

            # Asked on the follower, run by the leader, seen on both.
            r = await b.post(SCAN, headers=admin)
            assert (r.status_code, r.json()["state"]) == (202, "requested")
            await _until(lambda: done_on(b), "the requested scan is done")
            assert (_scans(a).scans_here, _scans(b).scans_here) == (2, 0)
            on_b = (await b.get(SCAN, headers=admin)).json()
            assert (on_b["unchanged"], on_b["probed"]) == (3, 0)
            assert (await a.get(SCAN, headers=admin)).json() == on_b

            # The leader stops: the lock is free, the other replica takes over.
            await stack.aclose()

            async def b_scanned() -> bool:
                return _scans(b).scans_here == 1 and await done_on(b)

            await _until(b_scanned, "the remaining replica leads and scans")
