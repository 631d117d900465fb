"""``ktv demo``: a sample library, a demo account, channels, schedules, and the server.

Everything lives in one folder (``./ktv-demo`` by default): the generated
videos under ``media/`` and the SQLite database ``ktv-demo.db``. The demo
ignores ``DATABASE_URL``, ``MEDIA_DIRS`` and the Jellyfin variables of the
environment (it always runs on its own embedded defaults); the rest (``PORT``,
``JWT_SECRET``, ``LOG_LEVEL``...) applies as usual.

The set-up goes through the real HTTP API of the server it starts, so it
shows what a client does: register (or log in again on a second run), wait
for the library scan, create the channels that do not exist yet, generate
the schedules that are missing, and renew the account's feed token for the
M3U, XMLTV and HDHomeRun URLs it prints. Running it again reuses the videos,
the account, the channels and their schedules.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from .settings import Settings, SettingsError, load_settings

__all__ = ["DEMO_EMAIL", "DEMO_PASSWORD", "demo_channels", "demo_settings", "run_demo"]

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "watch-k-tv"
_IGNORED = ("DATABASE_URL", "MEDIA_DIRS", "JELLYFIN_BASE_URL", "JELLYFIN_API_KEY",
            "JELLYFIN_USER_ID", "ALLOW_REGISTRATION")
Json = dict[str, Any]


def demo_settings(folder: Path, environ: Mapping[str, str] | None = None,
                  env_file: str | None = ".env") -> Settings:
    """The environment's settings with the demo's own database and media, no Jellyfin.

    Blank values win over ``.env`` and read as unset, so ``.env`` cannot bring
    back what the demo ignores."""
    env = {**(os.environ if environ is None else environ), **dict.fromkeys(_IGNORED, "")}
    env["DATABASE_URL"] = f"sqlite:{folder / 'ktv-demo.db'}?mode=rwc"
    env["MEDIA_DIRS"] = str(folder / "media")
    env["ALLOW_REGISTRATION"] = "true"
    return load_settings(env, env_file=env_file)


def _block(name: str, start: str, mins: int, strategy: str, **flt: Any) -> Json:
    return {"name": name, "start_time": start, "duration_mins": mins,
            "content": {"type": "algorithmic", "strategy": strategy, "filter": flt}}


def demo_channels(picks: list[str]) -> list[Json]:
    """The demo's channels: blocks over the whole day, all kinds of content.

    ``picks`` are item ids for the manual block (a hand-picked morning line-up).
    """
    no_cooldown = {"cooldown_days": None, "cooldown_generations": None}
    morning: Json = ({"name": "Hand-picked shorts", "start_time": "06:00", "duration_mins": 60,
                      "content": {"type": "manual", "items": picks}} if picks else
                     _block("Morning shorts", "06:00", 60, "random", content_type="short"))
    return [
        {"number": "101", "name": "K-TV One", "description": "A bit of everything, all day.",
         "recycle_policy": no_cooldown, "schedule_config": {"blocks": [
             _block("Night shorts", "00:00", 360, "random", content_type="short"),
             morning,
             _block("Kids' morning", "07:00", 300, "sequential", content_type="episode",
                    tags=["kids"]),
             _block("Afternoon movie", "12:00", 360, "best_fit", content_type="movie"),
             _block("Evening comedy", "18:00", 360, "random", content_type="episode",
                    genres=["Comedy"])]}},
        {"number": "102", "name": "Drama & Mystery", "description": "Serials in order.",
         "recycle_policy": no_cooldown, "schedule_config": {"blocks": [
             _block("Mysteries", "00:00", 720, "sequential", content_type="episode",
                    genres=["Drama", "Mystery"]),
             _block("Drama films", "12:00", 720, "best_fit", content_type="movie",
                    genres=["Drama", "Documentary"])]}},
        {"number": "103", "name": "Sci-Fi Kitchen", "description": "Space and cooking.",
         "recycle_policy": no_cooldown, "schedule_config": {"blocks": [
             _block("Orbital", "00:00", 1080, "sequential", content_type="episode",
                    genres=["Sci-Fi"]),
             _block("Late shorts", "18:00", 360, "random", content_type="short")]}},
    ]


def run_demo(folder: Path, *, host: str | None = None, port: int | None = None,
             env_file: str | None = ".env") -> int:
    """Generate, set up and serve the demo; returns the exit status."""
    from ktv_localmedia import SampleLibraryError, generate_sample_library

    from .logs import configure_logging

    folder = folder.expanduser().resolve()
    try:
        settings = demo_settings(folder, env_file=env_file)
    except SettingsError as exc:
        for problem in exc.problems:
            print(f"ktv: {problem}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    say(f"K-TV demo in {folder}")
    t0 = time.perf_counter()
    try:
        lib = generate_sample_library(folder / "media", ffmpeg=settings.ffmpeg_path,
                                      on_progress=lambda line: say(f"  {line}"))
    except SampleLibraryError as exc:
        print(f"ktv: cannot make the sample library: {exc}", file=sys.stderr)
        return 1
    say(f"Sample library: {lib.shows} shows ({lib.episodes} episodes), {lib.movies} movies, "
        f"{lib.shorts} shorts; {len(lib.created)} files made, {len(lib.reused)} reused "
        f"({lib.seconds:.1f} s)")
    return _serve(settings, host, port, lib.short_max_secs, t0)


def say(line: str) -> None:
    print(line, flush=True)


def _serve(settings: Settings, host: str | None, port: int | None, short_max_secs: float,
           t0: float) -> int:
    import uvicorn

    from .app import Overrides, create_app

    app = create_app(settings, overrides=Overrides(short_max_secs=short_max_secs))
    bind = host or settings.host
    config = uvicorn.Config(app, host=bind, port=settings.port if port is None else port,
                            log_config=None, access_log=False, lifespan="on",
                            server_header=False, proxy_headers=False)
    server = uvicorn.Server(config)

    async def main() -> int:
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                return 1
            await asyncio.sleep(0.05)
        real_port = server.servers[0].sockets[0].getsockname()[1] if server.servers else (
            config.port)
        local = "127.0.0.1" if bind in ("0.0.0.0", "::", "") else bind
        base = f"http://{local}:{real_port}"
        try:
            await _set_up(base, settings, t0)
        except Exception as exc:
            print(f"ktv: the demo set-up failed: {exc}", file=sys.stderr)
            server.should_exit = True
            await serving
            return 1
        await serving
        return 0

    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(main())
    return 0


async def _set_up(base: str, settings: Settings, t0: float) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        token = await _account(http)
        headers = {"Authorization": f"Bearer {token}"}
        await _scanned(http, headers)
        shorts = (await _ok(http.get("/api/v1/library/items", headers=headers,
                                     params={"content_type": "short", "limit": 3})))["items"]
        existing = {c["number"]: c for c in await _ok(http.get("/api/v1/channels",
                                                               headers=headers))}
        channels: list[Json] = []
        for spec in demo_channels([it["id"] for it in shorts]):
            channel = existing.get(spec["number"])
            if channel is None:
                channel = await _ok(http.post("/api/v1/channels", json=spec, headers=headers))
            channels.append(channel)
            active = await _ok(http.get(f"/api/v1/channels/{channel['id']}/schedule",
                                        headers=headers))
            if active["generation"] == 0:  # never generated
                await _ok(http.post(f"/api/v1/channels/{channel['id']}/schedule",
                                    headers=headers))
        public = (settings.public_base_url or base).rstrip("/")
        # The demo account's default feed token (renewed on every run: shown once).
        feed = await _ok(http.post("/api/v1/auth/feed-token", headers=headers))
        _print_summary(public, token, channels, time.perf_counter() - t0, feed)


async def _account(http: httpx.AsyncClient) -> str:
    creds = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    r = await http.post("/api/v1/auth/register", json=creds)
    if r.status_code == 409:
        r = await http.post("/api/v1/auth/login", json=creds)
        if r.status_code == 401:
            raise RuntimeError(f"{DEMO_EMAIL} exists with another password; delete the demo "
                               "folder to start over")
    token: str = (await _ok(r))["access_token"]
    return token


async def _scanned(http: httpx.AsyncClient, headers: dict[str, str]) -> None:
    """Wait for the start-up scan of the sample library (it takes a second or two)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = await _ok(http.get("/api/v1/library/scan", headers=headers))
        if status["state"] == "done":
            say(f"Library scanned: {status['items']} items ({status['probed']} probed, "
                f"{status['unchanged']} unchanged)")
            return
        if status["state"] == "failed":
            raise RuntimeError(f"the library scan failed: {status['error']}")
        await asyncio.sleep(0.1)
    raise RuntimeError("the library scan did not finish in 2 minutes")


async def _ok(response: Any) -> Any:
    r: httpx.Response = await response if asyncio.iscoroutine(response) else response
    if r.status_code >= 400:
        raise RuntimeError(f"{r.request.method} {r.request.url.path} answered "
                           f"{r.status_code}: {r.text}")
    return r.json()


def _print_summary(base: str, token: str, channels: list[Json], elapsed: float,
                   feed: Json) -> None:
    api = f"{base}/api/v1"
    lines = [
        "",
        f"K-TV demo is on the air ({elapsed:.1f} s). Ctrl-C stops it; run it again to resume.",
        "",
        f"  Watch:     {base}/watch  (open it in a browser, log in as below)",
        f"  Log in:    {DEMO_EMAIL} / {DEMO_PASSWORD}",
        f"  API docs:  {api}/docs",
        f"  Token:     {token}",
        "",
        "  Channels:",
    ]
    feed_base = feed["m3u_url"].removesuffix("/channels.m3u")
    for c in channels:
        lines.append(f"    {c['number']}  {c['name']}")
        lines.append(f"         watch:  {feed_base}/stream/{c['number']}.ts")
        lines.append(f"         now:    {api}/channels/{c['id']}/now")
        lines.append(f"         EPG:    {api}/channels/{c['id']}/epg")
    first = channels[0]["id"]
    first_watch = f"{feed_base}/stream/{channels[0]['number']}.ts"
    lines += [
        "",
        "  IPTV (open the M3U in VLC or TiviMate; no login needed, keep these URLs private):",
        f"    M3U:        {feed['m3u_url']}",
        f"    XMLTV:      {feed['xmltv_url']}",
        f"    HDHomeRun:  {feed['hdhomerun_url']}",
        "",
        "  Try it:",
        f"    mpv {first_watch}       (or VLC, ffplay: the channel as it airs)",
        f'    curl -H "Authorization: Bearer $TOKEN" {api}/channels/{first}/now',
        f'    curl -L -o now.mp4 -H "Authorization: Bearer $TOKEN" '
        f"{api}/channels/{first}/stream",
        f"    (TOKEN={token[:16]}... as printed above)",
        "",
    ]
    say("\n".join(lines))
