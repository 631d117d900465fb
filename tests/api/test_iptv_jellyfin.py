"""Jellyfin Live TV registration against the fake Jellyfin (which fetches what it is given)."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from litestar.testing import AsyncTestClient

from api.helpers import HASHER, JWT_SECRET, Api, assert_problem
from api.iptv_helpers import feed_token
from fakes import FakeClock, FakeJellyfin, FakeMediaProvider, InMemoryStore
from integration.openapi_check import spec, validate
from ktv_api import Overrides, create_app, load_settings
from ktv_api.jellyfin_cli import run_jellyfin

URL = "/api/v1/iptv/jellyfin"


@asynccontextmanager
async def jellyfin_app(tmp_path: Path, clock: FakeClock, media: FakeMediaProvider, *,
                       backend: str = "memory",
                       env: dict[str, str] | None = None) -> AsyncIterator[tuple[Api,
                                                                               FakeJellyfin]]:
    fake = FakeJellyfin()
    values = {"JWT_SECRET": JWT_SECRET, "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
              "JELLYFIN_BASE_URL": fake.base_url, "JELLYFIN_API_KEY": fake.api_key,
              **(env or {})}
    store = InMemoryStore() if backend == "memory" else None
    if store is None:
        values["DATABASE_URL"] = f"sqlite:{tmp_path / 'ktv.db'}"
    settings = load_settings(values, env_file=None)
    async with httpx.AsyncClient(transport=fake.transport()) as http:
        app = create_app(settings, overrides=Overrides(
            uow=store.uow if store else None, media=media, media_source="fake", clock=clock,
            hasher=HASHER, http_client=http), keeper=False, sync_interval=3600)
        async with AsyncTestClient(app=app) as client, httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app)) as fetcher:  # type: ignore[arg-type]
            # Jellyfin fetches our URLs; from inside a request, on the app's own loop.
            fake.livetv.fetcher = fetcher
            yield Api(client=client, app=app, clock=clock, media=media, store=store,
                      settings=settings), fake


async def _setup(api: Api) -> dict[str, str]:
    admin = await api.register("admin@example.com")
    for n in ("1", "2"):
        await api.create_channel(admin, number=n, name=f"Channel {n}, the best")
    return admin


def _schema_ok(fake: FakeJellyfin) -> None:
    schemas = spec()["components"]["schemas"]
    for body in fake.livetv.bodies:
        name = "TunerHostInfo" if "Url" in body else "ListingsProviderInfo"
        assert validate(body, schemas[name]) == [], body


async def test_first_run_creates_second_updates_unregister_removes(
        tmp_path: Path, clock: FakeClock, media: FakeMediaProvider) -> None:
    async with jellyfin_app(tmp_path, clock, media) as (api, fake):
        admin = await _setup(api)
        players = await feed_token(api, admin)  # the token the user's players hold
        r = await api.client.post(URL, headers=admin, json={})
        assert r.status_code == 200, r.text
        report = r.json()
        assert [(c["kind"], c["action"]) for c in report["changes"]] == [
            ("tuner (m3u)", "created"), ("listings (xmltv)", "created")]
        assert report["guide_refresh_started"] is True
        assert "ktvf_" in report["changes"][0]["url"]
        assert len(report["changes"][0]["url"]) < 80  # the token is shortened
        (tuner,) = fake.livetv.tuner_hosts
        (listing,) = fake.livetv.listing_providers
        assert tuner["Type"] == "m3u"
        assert tuner["Url"].startswith("http://testserver.local/iptv/ktvf_")
        assert tuner["Url"].endswith("/channels.m3u")
        assert listing["Path"] == tuner["Url"].removesuffix("channels.m3u") + "xmltv.xml"
        channels = fake.livetv.channels[tuner["Id"]]
        assert [(c.number, c.name) for c in channels] == [
            ("1", "Channel 1\u201a the best"), ("2", "Channel 2\u201a the best")]
        assert fake.livetv.guides[listing["Id"]].startswith(b"<?xml")
        assert fake.livetv.started_tasks == [fake.livetv.refresh_task_id]
        _schema_ok(fake)
        first_url = tuner["Url"]

        r = await api.client.post(URL, headers=admin, json={})
        assert [(c["kind"], c["action"]) for c in r.json()["changes"]] == [
            ("tuner (m3u)", "updated"), ("listings (xmltv)", "updated")]
        (again,) = fake.livetv.tuner_hosts
        assert again["Id"] == tuner["Id"]
        assert len(fake.livetv.listing_providers) == 1
        assert fake.livetv.listing_providers[0]["Id"] == listing["Id"]
        assert again["Url"] != first_url  # the jellyfin token was renewed...
        assert (await api.client.get(first_url)).status_code == 404
        assert (await api.client.get(again["Url"])).status_code == 200
        # ...and the players' token never changed
        assert (await api.client.get(f"/iptv/{players}/channels.m3u")).status_code == 200

        r = await api.client.post(URL, headers=admin, json={"tuner": "hdhomerun"})
        (hdhr,) = fake.livetv.tuner_hosts
        assert (hdhr["Id"], hdhr["Type"]) == (tuner["Id"], "hdhomerun")
        assert hdhr["Url"].endswith("/hdhr")
        assert [c.number for c in fake.livetv.channels[hdhr["Id"]]] == ["1", "2"]
        assert all(c.url.endswith(f"/stream/{c.number}.ts")
                   for c in fake.livetv.channels[hdhr["Id"]])
        _schema_ok(fake)

        r = await api.client.delete(URL, headers=admin)
        assert r.status_code == 200, r.text
        assert [c["action"] for c in r.json()["changes"]] == ["removed", "removed"]
        assert fake.livetv.tuner_hosts == [] == fake.livetv.listing_providers
        assert (await api.client.get(hdhr["Url"] + "/discover.json")).status_code == 404
        names = [t["name"] for t in (await api.client.get("/api/v1/auth/feed-tokens",
                                                          headers=admin)).json()]
        assert names == ["default"]


async def test_other_entries_and_other_users_are_left_alone(
        tmp_path: Path, clock: FakeClock, media: FakeMediaProvider) -> None:
    async with jellyfin_app(tmp_path, clock, media) as (api, fake):
        admin = await _setup(api)
        bob = await api.register("bob@example.com")
        await api.create_channel(bob, name="Bob's")
        fake.livetv.tuner_hosts.append({"Id": "f" * 32, "Type": "m3u",
                                        "Url": "http://other.example/list.m3u"})
        r = await api.client.post(URL, headers=admin, json={"email": "bob@example.com"})
        assert r.status_code == 200, r.text
        await api.client.post(URL, headers=admin, json={})
        urls = [t["Url"] for t in fake.livetv.tuner_hosts]
        assert len(urls) == 3
        assert "http://other.example/list.m3u" in urls
        await api.client.delete(URL, headers=admin)
        left = fake.livetv.tuner_hosts
        assert len(left) == 2
        assert any("Bob's" in c.name for t in left if t["Id"] in fake.livetv.channels
                   for c in fake.livetv.channels[t["Id"]] if c.name)
        assert_problem(await api.client.post(URL, headers=bob, json={}), 403)
        assert_problem(await api.client.post(URL, headers=admin,
                                             json={"email": "nobody@example.com"}), 404)
        assert_problem(await api.client.post(URL, headers=admin, json={"tuner": "rabbit-ears"}),
                       422)


async def test_jellyfin_down_or_refusing_is_a_clear_503(
        tmp_path: Path, clock: FakeClock, media: FakeMediaProvider) -> None:
    async with jellyfin_app(tmp_path, clock, media) as (api, fake):
        admin = await _setup(api)
        fake.faults.append(httpx.ConnectError("connection refused"))
        body = assert_problem(await api.client.post(URL, headers=admin, json={}), 503)
        assert "unreachable" in body["detail"]
        assert fake.base_url in body["detail"]
        assert fake.api_key not in body["detail"]
        # nothing changed here either: no jellyfin token was made
        tokens = (await api.client.get("/api/v1/auth/feed-tokens", headers=admin)).json()
        assert tokens == []
    async with jellyfin_app(tmp_path, clock, media,
                            env={"PUBLIC_BASE_URL": "http://testserver.local/wrong"}) as (
            api, fake):
        admin = await _setup(api)
        body = assert_problem(await api.client.post(URL, headers=admin, json={}), 503)
        assert "refused to save the m3u tuner" in body["detail"]
        assert "404" in body["detail"]
        assert fake.livetv.tuner_hosts == []
    async with jellyfin_app(tmp_path, clock, media, env={"JELLYFIN_API_KEY": "wrong"}) as (
            api, fake):
        admin = await _setup(api)
        body = assert_problem(await api.client.post(URL, headers=admin, json={}), 503)
        assert "refused the API key" in body["detail"]


async def test_the_command_registers_the_first_admin(
        tmp_path: Path, clock: FakeClock, media: FakeMediaProvider,
        capsys: Any) -> None:
    async with jellyfin_app(tmp_path, clock, media, backend="sqlite") as (api, fake):
        await _setup(api)
        fake.livetv.fetcher = api.client  # the command runs on the test's loop
        settings = api.settings
        args = argparse.Namespace(action="register", user=None, hdhomerun=False,
                                  base_url="http://testserver.local")
        async with httpx.AsyncClient(transport=fake.transport()) as http:
            assert await run_jellyfin(settings, args, http=http) == 0
            out = capsys.readouterr().out
            assert "admin@example.com" in out
            assert "created" in out
            assert len(fake.livetv.tuner_hosts) == 1
            args.action = "unregister"
            assert await run_jellyfin(settings, args, http=http) == 0
            assert fake.livetv.tuner_hosts == []
            args = argparse.Namespace(action="register", user="nobody@example.com",
                                      hdhomerun=False, base_url="http://testserver.local")
            assert await run_jellyfin(settings, args, http=http) == 1
            assert "nobody@example.com" in capsys.readouterr().err
            args.base_url = None
            assert await run_jellyfin(settings, args, http=http) == 2
            assert "PUBLIC_BASE_URL" in capsys.readouterr().err
