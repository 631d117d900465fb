"""A real K-TV over HTTP for the stream tests: uvicorn on a port of its own, a local
library of self-describing clips, a user, a channel and its generated schedule.

The app's clock is a :class:`SteppingClock`: it runs ``rate`` times faster than
real time (streams pace with it) and can jump forward, so a test can generate a
schedule in the past and then replay that history.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from ktv_api import Overrides, create_app, load_settings
from ktv_auth import Argon2PasswordHasher
from ktv_domain import MediaItemId
from support.clips import make_clip

__all__ = ["LiveKtv", "SteppingClock", "live_ktv", "make_library"]

PASSWORD = "watch-k-tv-1"
_TITLE = re.compile(r"Clip (\d+)")


class SteppingClock:
    """Real time, ``rate`` times faster, from ``start``; :meth:`jump` moves it on."""

    def __init__(self, rate: float = 1.0, *, start: datetime | None = None) -> None:
        self.rate = rate
        self._t0 = start or datetime.now(UTC)
        self._m0 = time.monotonic()

    def now(self) -> datetime:
        return self._t0 + timedelta(seconds=(time.monotonic() - self._m0) * self.rate)

    def jump(self, delta: timedelta) -> None:
        self._t0 += delta

    async def sleep(self, secs: float) -> None:
        await asyncio.sleep(secs / self.rate)


def make_library(folder: Path, lengths: Mapping[int, float]) -> Path:
    """``Clip NN.mp4`` files showing clip NN (self-describing), ``lengths`` seconds each."""
    for n, secs in lengths.items():
        make_clip(folder / f"Clip {n:02d}.mp4", n, secs)
    return folder


@dataclass
class LiveKtv:
    base_url: str
    clock: SteppingClock
    client: httpx.AsyncClient
    headers: dict[str, str] = field(default_factory=dict)
    #: Library item id -> the clip number its frames show.
    numbers: dict[MediaItemId, int] = field(default_factory=dict)
    feed_token: str = ""

    async def ok(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        r = await self.client.request(method, path, headers=self.headers, **kw)
        assert r.status_code == status, (path, r.status_code, r.text)
        return r.json() if r.content and "json" in r.headers.get("content-type", "") else r

    async def channel(self, name: str, *, catchup_days: int = 7, number: str | None = None,
                      blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """A channel playing the library sequentially all day (or ``blocks``), generated."""
        body: dict[str, Any] = {"name": name, "catchup_days": catchup_days,
                                "schedule_config": {"blocks": blocks or [ALL_DAY]}}
        if number is not None:
            body["number"] = number
        ch = await self.ok("POST", "/api/v1/channels", 201, json=body)
        await self.ok("POST", f"/api/v1/channels/{ch['id']}/schedule", 201)
        return dict(ch)

    async def guide(self, cid: str, start: datetime, until: datetime) -> list[dict[str, Any]]:
        slots = await self.ok("GET", f"/api/v1/channels/{cid}/epg", params={
            "from": start.isoformat(), "until": until.isoformat()})
        return list(slots)


ALL_DAY = {"name": "All day", "start_time": "00:00:00", "duration_mins": 1440,
           "content": {"type": "algorithmic", "strategy": "sequential", "filter": {}}}


@asynccontextmanager
async def live_ktv(tmp_path: Path, library: Path, *, rate: float = 1.0,
                   start: datetime | None = None,
                   env: Mapping[str, str] | None = None) -> AsyncIterator[LiveKtv]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    values = {"DATABASE_URL": f"sqlite:{tmp_path / f'ktv-{port}.db'}",
              "MEDIA_DIRS": str(library), "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
              "STREAM_HEIGHT": "180", "STREAM_IDLE_SECS": "3", "SHORT_MAX_SECS": "5",
              **(env or {})}
    clock = SteppingClock(rate, start=start)
    app = create_app(load_settings(values, env_file=None),
                     overrides=Overrides(clock=clock, stream_sleep=clock.sleep,
                                         hasher=Argon2PasswordHasher.fast_for_tests()),
                     keeper=False, sync_interval=3600)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on",
                                           access_log=False, timeout_graceful_shutdown=2))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    deadline = time.monotonic() + 30
    while not server.started:
        if task.done():
            task.result()
            raise AssertionError("uvicorn stopped before it started")
        assert time.monotonic() < deadline, "K-TV did not start in time"
        await asyncio.sleep(0.02)
    client = httpx.AsyncClient(base_url=base_url, timeout=30.0, trust_env=False)
    try:
        k = LiveKtv(base_url=base_url, clock=clock, client=client)
        token = (await k.ok("POST", "/api/v1/auth/register", 201, json={
            "email": "viewer@example.com", "password": PASSWORD}))["access_token"]
        k.headers = {"Authorization": f"Bearer {token}"}
        await _scanned(k)
        items = await k.ok("GET", "/api/v1/library/items", params={"limit": 500})
        k.numbers = {MediaItemId(i["id"]): int(m[1]) for i in items["items"]
                     if (m := _TITLE.search(i["title"]))}
        assert k.numbers, "the library holds the clips"
        k.feed_token = (await k.ok("POST", "/api/v1/auth/feed-token", 201))["token"]
        yield k
    finally:
        await client.aclose()
        server.should_exit = True
        await task


async def _scanned(k: LiveKtv) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = await k.ok("GET", "/api/v1/library/scan")
        if status["state"] in ("done", "idle") and status.get("items"):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the library scan did not finish: {status}")
