"""Two app replicas on one database: a generation stored by one is served by the other."""

from __future__ import annotations

import asyncio
from datetime import time
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from fakes import FakeClock, FakeMediaProvider
from ktv_api import Overrides, create_app, load_settings
from ktv_auth import Argon2PasswordHasher
from ktv_domain import ContentType
from support import make_item

REPLICA_DBS = ["sqlite-file", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=REPLICA_DBS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite-file":
        return f"sqlite:{tmp_path / 'replicas.db'}"
    from integration.conftest import sql_engine

    engine = await sql_engine("postgres", request, tmp_path)  # migrated and emptied
    await engine.dispose()
    url: str = request.getfixturevalue("pg_url")
    return url


async def test_a_replica_serves_another_replicas_generation_within_seconds(
        database_url: str) -> None:
    clock = FakeClock()
    media = FakeMediaProvider(make_item(n, 1200, content_type=ContentType.EPISODE)
                              for n in range(1, 30))
    settings = load_settings({"DATABASE_URL": database_url, "JWT_SECRET": "r" * 40},
                             env_file=None)

    def replica() -> AsyncTestClient:  # type: ignore[type-arg]
        app = create_app(settings, overrides=Overrides(
            media=media, clock=clock, hasher=Argon2PasswordHasher.fast_for_tests()),
            keeper=False, sync_interval=0.05)
        return AsyncTestClient(app)

    async with replica() as a, replica() as b:
        r = await a.post("/api/v1/auth/register",
                         json={"email": "r@example.com", "password": "password123"})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        block = {"name": "All day", "start_time": str(time(0, 0)), "duration_mins": 1440,
                 "content": {"type": "algorithmic", "strategy": "sequential"}}
        r = await a.post("/api/v1/channels", headers=headers,
                         json={"name": "Replicated", "schedule_config": {"blocks": [block]}})
        now_path = f"/api/v1/channels/{r.json()['id']}/now"
        assert (await b.get(now_path, headers=headers)).status_code == 204  # nothing yet
        r = await a.post(now_path.replace("/now", "/schedule"), headers=headers)
        assert r.status_code == 201
        on_a = (await a.get(now_path, headers=headers)).json()
        for _ in range(100):
            answer = await b.get(now_path, headers=headers)
            if answer.status_code == 200:
                break
            await asyncio.sleep(0.05)
        assert answer.status_code == 200
        assert answer.json() == on_a
