"""Helpers for the API tests: a running app (fakes or SQLite) and terse request builders."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from fakes import FakeClock, FakeMediaProvider, InMemoryStore
from ktv_api import Overrides, create_app, load_settings
from ktv_api.settings import Settings
from ktv_api.state import Ktv
from ktv_auth import Argon2PasswordHasher
from ktv_domain import ContentType, MediaItem, UserId
from support import make_item

JWT_SECRET = "api-tests-jwt-secret-0123456789-abcdefghij"
PASSWORD = "correct horse battery"
PROBLEM_JSON = "application/problem+json"
HASHER = Argon2PasswordHasher.fast_for_tests()
Json = dict[str, Any]


def library() -> list[MediaItem]:
    """A small 1990s comedy library: episodes of two series, movies, shorts, one drama."""
    items: list[MediaItem] = []
    for n in range(1, 25):
        series = "Nothing Much" if n <= 12 else "Friends of Friends"
        items.append(make_item(n, 1320 + 15 * n, title=f"{series} {n}",
                               content_type=ContentType.EPISODE, series_name=series,
                               season_number=1 + (n - 1) // 6, episode_number=1 + (n - 1) % 6,
                               year=1990 + n % 10, genres=("Comedy",)))
    for n in range(30, 38):
        items.append(make_item(n, 5400 + 300 * (n - 30), title=f"Comedy Movie {n}",
                               content_type=ContentType.MOVIE, year=1991 + n % 9,
                               genres=("Comedy",)))
    for n in range(40, 46):
        items.append(make_item(n, 300 + 30 * (n - 40), title=f"Short {n}",
                               content_type=ContentType.SHORT, year=1995,
                               genres=("Comedy", "Animation")))
    items.append(make_item(50, 6000, title="Serious Drama", content_type=ContentType.MOVIE,
                           year=2005, genres=("Drama",)))
    return items


def block(name: str, start: str, mins: int, *, block_id: str | None = None,
          content_type: str | None = "episode", strategy: str = "random") -> Json:
    """An algorithmic block of Comedy ``content_type`` items."""
    out: Json = {"name": name, "start_time": start, "duration_mins": mins,
                 "content": {"type": "algorithmic", "strategy": strategy,
                             "filter": {"content_type": content_type, "genres": ["Comedy"]}}}
    if block_id is not None:
        out["id"] = block_id
    return out


#: Blocks around the fake clock's noon (UTC): something is on air at 12:00.
ON_AIR_BLOCKS = [block("Midday Sitcoms", "11:00:00", 180),
                 block("Afternoon Movie", "14:00:00", 240, content_type="movie",
                       strategy="best_fit")]
#: Only the evening: 12:00 UTC is in a gap.
EVENING_BLOCKS = [block("Evening", "20:00:00", 60)]


def assert_problem(response: httpx.Response, status: int, *fields: str) -> Json:
    """An RFC 9457 body with ``status``, naming ``fields`` in ``errors``; returns it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body: Json = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    named = {e["field"] for e in body.get("errors", [])}
    for f in fields:
        assert f in named, body
    assert "Traceback" not in response.text
    return body


def token_subject(token: str) -> UserId:
    """The ``sub`` of a JWT, read without a request (so nothing gets cached)."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return UserId(uuid.UUID(claims["sub"]))


@dataclass
class Api:
    client: AsyncTestClient[Litestar]
    app: Litestar
    clock: FakeClock
    media: FakeMediaProvider | None
    store: InMemoryStore | None
    settings: Settings

    @property
    def ktv(self) -> Ktv:
        ktv: Ktv = self.app.state.ktv
        return ktv

    async def register(self, email: str = "owner@example.com",
                       password: str = PASSWORD) -> dict[str, str]:
        """Authorization headers for a new account."""
        r = await self.client.post("/api/v1/auth/register",
                                   json={"email": email, "password": password})
        assert r.status_code == 201, r.text
        return auth(r.json()["access_token"])

    async def login(self, email: str = "owner@example.com",
                    password: str = PASSWORD) -> dict[str, str]:
        r = await self.client.post("/api/v1/auth/login",
                                   json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        return auth(r.json()["access_token"])

    async def create_channel(self, headers: Mapping[str, str], **body: Any) -> Json:
        body.setdefault("name", "90s Sitcom Network")
        r = await self.client.post("/api/v1/channels", json=body, headers=headers)
        assert r.status_code == 201, r.text
        channel: Json = r.json()
        return channel

    async def on_air_channel(self, headers: Mapping[str, str], *, generate: bool = True,
                             blocks: list[Json] | None = None) -> str:
        """A channel with blocks covering now (or ``blocks``), generated unless told not to."""
        config = {"blocks": ON_AIR_BLOCKS if blocks is None else blocks}
        cid: str = (await self.create_channel(headers, schedule_config=config))["id"]
        if generate:
            r = await self.client.post(f"/api/v1/channels/{cid}/schedule", headers=headers)
            assert r.status_code == 201, r.text
        return cid


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def running(*, tmp_path: Path, clock: FakeClock, backend: str = "memory",
                  env: Mapping[str, str] | None = None, media: FakeMediaProvider | None,
                  store: InMemoryStore | None = None) -> AsyncIterator[Api]:
    """The app built by ``create_app`` with fakes (``memory``) or a SQLite file (``sqlite``)."""
    values = {"JWT_SECRET": JWT_SECRET, "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
              "CORS_ALLOWED_ORIGINS": "http://localhost:5173", **(env or {})}
    if backend == "memory":
        store = store or InMemoryStore()
    elif backend == "sqlite":
        values.setdefault("DATABASE_URL", f"sqlite:{tmp_path / 'ktv.db'}")
        store = None
    else:
        raise ValueError(backend)
    settings = load_settings(values, env_file=None)
    app = create_app(settings, overrides=Overrides(
        uow=store.uow if store else None, media=media, clock=clock, hasher=HASHER),
        keeper=False, sync_interval=3600)
    async with AsyncTestClient(app=app) as client:
        yield Api(client=client, app=app, clock=clock, media=media, store=store,
                  settings=settings)


class Start(Protocol):
    """The ``start`` fixture: another app, ``async with start(env={...}) as api``."""

    def __call__(self, *, backend: str = "memory", env: Mapping[str, str] | None = None,
                 with_media: bool = True, store: InMemoryStore | None = None,
                 ) -> AbstractAsyncContextManager[Api]: ...
