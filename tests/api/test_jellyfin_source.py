"""The app with JELLYFIN_* set: schedules from a (fake) Jellyfin server, key-free URLs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from litestar.testing import AsyncTestClient

from fakes import FakeClock, InMemoryStore
from integration.jellyfin_env import API_KEY, BASE, build_library
from ktv_api import Overrides, create_app, load_settings
from ktv_auth import Argon2PasswordHasher

ALL_DAY_MOVIES = {"name": "Movies", "start_time": "00:00", "duration_mins": 1440,
                  "content": {"type": "algorithmic", "strategy": "best_fit",
                              "filter": {"content_type": "movie"}}}


@asynccontextmanager
async def jellyfin_app(env: dict[str, str]) -> AsyncIterator[
        tuple[AsyncTestClient, dict[str, str]]]:  # type: ignore[type-arg]
    lib = build_library()
    settings = load_settings({"JELLYFIN_BASE_URL": BASE, "JELLYFIN_API_KEY": API_KEY, **env},
                             env_file=None)
    async with httpx.AsyncClient(transport=lib.server.transport()) as http:
        app = create_app(settings, overrides=Overrides(
            uow=InMemoryStore().uow, clock=FakeClock(), http_client=http,
            hasher=Argon2PasswordHasher.fast_for_tests()), keeper=False)
        async with AsyncTestClient(app) as client:
            r = await client.post("/api/v1/auth/register",
                                  json={"email": "jf@example.com", "password": "password123"})
            yield client, {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_schedules_come_from_jellyfin_and_stream_urls_carry_no_key() -> None:
    async with jellyfin_app({}) as (client, auth):
        assert (await client.get("/api/v1/config")).json()["media_source"] == "jellyfin"
        r = await client.post("/api/v1/channels", headers=auth,
                              json={"name": "Films", "schedule_config": {"blocks": [
                                  ALL_DAY_MOVIES]}})
        cid = r.json()["id"]
        r = await client.post(f"/api/v1/channels/{cid}/schedule", headers=auth)
        assert r.status_code == 201
        titles = {s["item"]["title"] for s in r.json()["slots"]}
        assert titles <= {"Heat", "Alien"}  # movies with a runtime; shorts and virtual left out
        assert titles
        r = await client.get(f"/api/v1/channels/{cid}/stream", headers=auth,
                             follow_redirects=False)
        assert r.status_code == 307
        location = r.headers["location"]
        assert location.startswith(f"{BASE}/Videos/")
        assert "/stream?static=true#t=" in location
        assert API_KEY not in location
        assert API_KEY not in r.text


async def test_a_wrong_api_key_is_a_503_that_says_so() -> None:
    async with jellyfin_app({"JELLYFIN_API_KEY": "f" * 32}) as (client, auth):
        r = await client.post("/api/v1/channels", headers=auth,
                              json={"name": "Films", "schedule_config": {"blocks": [
                                  ALL_DAY_MOVIES]}})
        r = await client.post(f"/api/v1/channels/{r.json()['id']}/schedule", headers=auth)
        assert r.status_code == 503
        assert "f" * 32 not in r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"] == (
            f"the Jellyfin server at {BASE} refused the API key (HTTP 401)")
        assert "retry-after" not in r.headers  # retrying with the same key will not help


async def test_a_scan_request_rereads_the_jellyfin_catalog() -> None:
    """POST /library/scan on Jellyfin: 202, the catalog is fetched again now (a new item is
    in the library at once), and the outcome is the scan status."""
    lib = build_library()
    settings = load_settings({"JELLYFIN_BASE_URL": BASE, "JELLYFIN_API_KEY": API_KEY},
                             env_file=None)
    async with httpx.AsyncClient(transport=lib.server.transport()) as http:
        app = create_app(settings, overrides=Overrides(
            uow=InMemoryStore().uow, clock=FakeClock(), http_client=http,
            hasher=Argon2PasswordHasher.fast_for_tests()), keeper=False)
        async with AsyncTestClient(app) as client:
            r = await client.post("/api/v1/auth/register",
                                  json={"email": "jf@example.com", "password": "password123"})
            admin = {"Authorization": f"Bearer {r.json()['access_token']}"}

            async def titles() -> set[str]:
                r = await client.get("/api/v1/library/items?limit=500", headers=admin)
                return {i["title"] for i in r.json()["items"]}

            r = await client.get("/api/v1/library/scan", headers=admin)
            assert (r.status_code, r.json()["state"]) == (200, "idle")
            assert "Ronin" not in await titles()
            lib.server.add_video("Ronin", lib.movies, minutes=122, year=1998)
            assert "Ronin" not in await titles()  # the cached catalog

            r = await client.post("/api/v1/library/scan", headers=admin)
            assert (r.status_code, r.json()["state"]) == (202, "running")
            for _ in range(200):  # the app runs on its own loop
                status = (await client.get("/api/v1/library/scan", headers=admin)).json()
                if status["state"] != "running":
                    break
                await asyncio.sleep(0.02)
            assert status["state"] == "done"
            assert "Ronin" in await titles()
            assert status["items"] == len(await titles())
