"""A real K-TV for the browser tests, a page on another origin, and headless Chromium.

K-TV is ``create_app`` served by uvicorn in the test's event loop on a socket bound
first (port 0), over a fresh SQLite file and a local library of self-describing clips
(``support.clips``). Two channels get a schedule generated ten minutes in the past (the
app's clock is moved back for the generation, then set right), so the guide has
programmes that already aired, one on air, and more to come.

The other origin is a second tiny server (uvicorn, another port) serving a copy of the
player whose ``<meta name="ktv-api">`` points at K-TV: the page the single-page app would
be, listed in ``CORS_ALLOWED_ORIGINS``.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright through
``executable_path`` with a fresh profile folder: no browser is downloaded.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from litestar import Litestar, Response, get
from litestar.params import FromPath
from playwright.async_api import BrowserContext, async_playwright

from integration.oidc_env import CLIENT_ID, CLIENT_SECRET, HASHER, ShiftedClock
from ktv_api import Overrides, create_app, load_settings
from ktv_api.player import load_assets
from support.clips import make_clip

__all__ = ["CHROMIUM_FLAGS", "EMAIL", "PASSWORD", "Site", "bound_socket", "chromium",
           "ktv_site", "make_library", "other_origin", "serve"]

EMAIL = "viewer@example.com"
PASSWORD = "watch-it-now"
JWT_SECRET = "browser-tests-jwt-secret-0123456789-abcdef"
COOKIE_SECRET = "browser-tests-cookie-secret-" + "c" * 48
#: The flags the brief and CI use for Debian's Chromium, with a fresh profile each time.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
#: The clips: (title, seconds). A schedule of these repeats; each lasts long enough to
#: be watched for a while, short enough that ten minutes hold several past programmes.
CLIPS = [("Morning Signal", 75.0), ("Harbour Lights", 90.0), ("Night Garden", 60.0)]
START_TIMEOUT = 30.0
Json = dict[str, Any]


def bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def serve(app: Any, sock: socket.socket) -> AsyncIterator[str]:
    """``app`` served by uvicorn on ``sock`` in this event loop; yields its base URL."""
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           lifespan="auto", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if task.done():
            task.result()
            raise AssertionError("uvicorn stopped before it started")
        if time.monotonic() > deadline:
            raise AssertionError("the server did not start in time")
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@dataclass
class Site:
    """A running K-TV with a signed-in API client's view of it."""

    base_url: str
    headers: dict[str, str]
    channels: list[Json]
    clock: ShiftedClock

    async def epg(self, channel: Json, *, back: timedelta) -> list[Json]:
        async with httpx.AsyncClient(base_url=self.base_url, trust_env=False) as http:
            now = self.clock.now()
            r = await http.get(f"/api/v1/channels/{channel['id']}/epg", headers=self.headers,
                               params={"from": (now - back).isoformat(),
                                       "until": (now + timedelta(hours=1)).isoformat()})
            r.raise_for_status()
            slots: list[Json] = r.json()
            return slots


async def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 400, (response.request.url, response.status_code,
                                        response.text)
    return response.json() if response.content else None


async def _set_up(base_url: str, clock: ShiftedClock, logo_url: str | None) -> Site:
    """Register, wait for the library scan, make two channels and their schedules (from
    ten minutes ago) and a third without one, then put the clock right."""
    clock.offset = -timedelta(minutes=10)  # the token too: it must be valid then
    async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=60) as http:
        token = (await _ok(await http.post("/api/v1/auth/register",
                                           json={"email": EMAIL, "password": PASSWORD})))
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        deadline = time.monotonic() + 60
        while (await _ok(await http.get("/api/v1/library/scan", headers=headers))
               )["state"] != "done":
            assert time.monotonic() < deadline, "the library scan did not finish"
            await asyncio.sleep(0.1)
        day = {"name": "All day", "start_time": "00:00", "duration_mins": 1440,
               "content": {"type": "algorithmic", "strategy": "sequential", "filter": {}}}
        channels = []
        for number, name, logo in (("101", "K-TV One", None), ("102", "Second Look", logo_url),
                                   ("103", "Off Air", f"{base_url}/no-such-logo.png")):
            channel = await _ok(await http.post("/api/v1/channels", headers=headers, json={
                "number": number, "name": name, "schedule_config": {"blocks": [day]},
                "logo_url": logo,
                "recycle_policy": {"cooldown_days": None, "cooldown_generations": None}}))
            if number != "103":
                await _ok(await http.post(f"/api/v1/channels/{channel['id']}/schedule",
                                          headers=headers))
            channels.append(channel)
        clock.offset = timedelta(0)
        return Site(base_url=base_url, headers=headers, channels=channels, clock=clock)


def make_library(folder: Path) -> Path:
    """The clips of :data:`CLIPS` in ``folder`` (item number n+1 shows in every frame)."""
    for n, (title, secs) in enumerate(CLIPS, start=1):
        make_clip(folder / f"{title}.mp4", n, secs)
    return folder


@asynccontextmanager
async def ktv_site(tmp_path: Path, media: Path, *, env: Mapping[str, str] | None = None,
                   oidc_issuer: str | None = None, logo_url: str | None = None,
                   ) -> AsyncIterator[Site]:
    """K-TV over the clips in ``media`` with two scheduled channels (see the module
    docstring), and a third with no schedule whose logo does not load. ``oidc_issuer``
    turns single sign-on on, back to ``/watch``; ``logo_url`` is channel 102's logo."""
    sock = bound_socket()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    oidc = {} if oidc_issuer is None else {
        "OIDC_ISSUER": oidc_issuer, "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URL": f"{base_url}/api/v1/auth/callback",
        "OIDC_POST_LOGIN_REDIRECT": f"{base_url}/watch"}
    values = {"JWT_SECRET": JWT_SECRET, "COOKIE_SECRET": COOKIE_SECRET,
              "DATABASE_URL": f"sqlite:{tmp_path / 'ktv.db'}?mode=rwc",
              "MEDIA_DIRS": str(media), "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
              "STREAM_HEIGHT": "180", **oidc, **(env or {})}
    clock = ShiftedClock()
    app = create_app(load_settings(values, env_file=None),
                     overrides=Overrides(clock=clock, hasher=HASHER),
                     keeper=False, sync_interval=3600)
    async with serve(app, sock) as served:
        assert served == base_url
        yield await _set_up(base_url, clock, logo_url)


def other_origin_app(api_base: str) -> Litestar:
    """The player's files, with the page's API base set to ``api_base`` (another origin),
    and a channel logo at ``/logo.svg``. No CSP, no CORS: a plain static site."""
    assets = load_assets()
    page = assets["watch.html"].body.replace(
        b'<meta name="ktv-api" content="">',
        f'<meta name="ktv-api" content="{api_base}/">'.encode())
    assert page != assets["watch.html"].body, "the page no longer has its ktv-api meta"

    @get("/watch", sync_to_thread=False)
    def watch() -> Response[bytes]:
        return Response(page, media_type="text/html")

    @get("/watch/{name:path}", sync_to_thread=False)
    def asset(name: FromPath[str]) -> Response[bytes]:
        found = assets[name.lstrip("/")]
        return Response(found.body, media_type=found.media_type)

    @get("/logo.svg", sync_to_thread=False)
    def logo() -> Response[bytes]:
        return Response(assets["favicon.svg"].body, media_type="image/svg+xml")

    return Litestar([watch, asset, logo], logging_config=None)


@asynccontextmanager
async def other_origin(sock: socket.socket, api_base: str) -> AsyncIterator[str]:
    async with serve(other_origin_app(api_base), sock) as base_url:
        yield base_url


@asynccontextmanager
async def chromium(executable: str, profile: Path) -> AsyncIterator[BrowserContext]:
    """Headless Debian Chromium with a fresh profile folder."""
    async with async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            await context.close()
