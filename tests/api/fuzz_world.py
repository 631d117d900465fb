"""The world the fuzz test runs in, and the rules its generator cannot know.

A real app (``create_app``) on a SQLite file with a real local library: a few
clips made with ffmpeg, scanned by the app itself. One user (the first
account, so an admin) owns a channel with blocks covering the whole day and
a generated schedule, and a "victim" channel for ``DELETE`` to remove (made
again after each deletion).

:func:`steer` gives schema-valid ("positive") requests the few things JSON
Schema cannot say and the document states in words instead: a time zone that
exists, blocks that do not overlap and have distinct ids, a duration range
whose minimum is not above its maximum, an EPG window that ends after it
starts and spans at most 14 days, a cursor this server issued. Negative cases
are never touched.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from schemathesis import Case
from schemathesis.python import asgi

from ktv_api import Overrides, create_app, load_settings
from ktv_auth import Argon2PasswordHasher
from support.ffmpeg import encode

EMAIL = "fuzz@example.com"
#: Not any example of the document: DELETE /auth/me must never guess it.
PASSWORD = "fuzz-password-1-not-an-example"
ZONES = ("UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu")
DAY_BLOCKS: list[dict[str, Any]] = [
    {"name": "Day", "start_time": "00:00:00", "duration_mins": 720,
     "content": {"type": "algorithmic", "strategy": "sequential",
                 "filter": {"content_type": "episode"}}},
    {"name": "Night", "start_time": "12:00:00", "duration_mins": 720,
     "content": {"type": "algorithmic", "strategy": "best_fit", "filter": {}}},
]


@dataclass(slots=True)
class World:
    app: Any
    token: str
    channel_id: str
    #: The channel DELETE cases are steered to (made again after each deletion).
    victim: str
    #: A cursor the server issued (a page of the library after the first).
    cursor: str
    item_ids: list[str] = field(default_factory=list)


def make_clips(folder: Path) -> None:
    """Three episodes of a show and a movie (small files: 80x45 at 25 fps)."""
    show = folder / "Test Pattern Show" / "Season 01"
    for n in range(1, 4):
        encode(show / f"Test Pattern Show - S01E0{n} - Part {n}.mp4", 20 + 5 * n,
               size="80x45")
    encode(folder / "Movies" / "The Long Signal (1999)" / "The Long Signal (1999).mp4", 45,
           size="80x45")


def build_app(folder: Path) -> Any:
    media = folder / "media"
    make_clips(media)
    env = {"DATABASE_URL": f"sqlite:{folder / 'ktv.db'}?mode=rwc", "MEDIA_DIRS": str(media),
           "SHORT_MAX_SECS": "1", "LOG_LEVEL": "warning", "SCHEDULE_HORIZON_HOURS": "2",
           "AUTH_RATE_LIMIT_PER_MINUTE": "100000"}
    return create_app(load_settings(env, env_file=None),
                      overrides=Overrides(hasher=Argon2PasswordHasher.fast_for_tests()),
                      keeper=False)


def _ok(response: Any, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def new_channel(app: Any, token: str, name: str) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    body: dict[str, Any] = {"name": name, "timezone": "America/New_York",
            "schedule_config": {"blocks": DAY_BLOCKS}}
    with asgi.get_client(app) as client:
        channel_id: str = _ok(client.post("/api/v1/channels", json=body, headers=headers),
                              201)["id"]
        _ok(client.post(f"/api/v1/channels/{channel_id}/schedule", headers=headers), 201)
    return channel_id


def populate(app: Any) -> World:
    """The fuzzing user, their channels, once the app's first scan has indexed the clips."""
    with asgi.get_client(app) as client:
        token = _ok(client.post("/api/v1/auth/register",
                                json={"email": EMAIL, "password": PASSWORD}), 201)["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 60
        while _ok(client.get("/api/v1/library/scan", headers=headers), 200)["state"] != "done":
            assert time.monotonic() < deadline, "the first scan did not finish"
            time.sleep(0.05)
        page = _ok(client.get("/api/v1/library/items?limit=1", headers=headers), 200)
        items = _ok(client.get("/api/v1/library/items", headers=headers), 200)["items"]
    assert page["next_cursor"], page
    return World(app=app, token=token, channel_id=new_channel(app, token, "Fuzz Network"),
                 victim=new_channel(app, token, "Victim"), cursor=page["next_cursor"],
                 item_ids=[it["id"] for it in items])


def pick(text: str, n: int) -> int:
    """A stable choice among ``n`` for ``text`` (the same in every process)."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) % n


def steer(case: Case[Any], world: World) -> None:
    """Make a positive case obey the rules stated only in words (module docstring)."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if isinstance(case.body, dict):
        _steer_channel(case.body)
    query = case.query
    if isinstance(query, dict):
        if "cursor" in query:
            query["cursor"] = world.cursor
        _steer_window(query)


def _steer_channel(body: dict[str, Any]) -> None:
    if isinstance(body.get("timezone"), str):
        body["timezone"] = ZONES[pick(body["timezone"], len(ZONES))]
    config = body.get("schedule_config")
    blocks = config.get("blocks") if isinstance(config, dict) else None
    if not isinstance(blocks, list) or not blocks:
        return
    span = 1440 // len(blocks)
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        start = i * span
        block["start_time"] = f"{start // 60:02d}:{start % 60:02d}"
        if isinstance(block.get("duration_mins"), int | float):  # 60.0 is an integer too
            block["duration_mins"] = max(1, min(int(block["duration_mins"]), span))
        block_id = block.get("id")
        if isinstance(block_id, str):
            if block_id.lower() in seen:
                block["id"] = None
            seen.add(block_id.lower())
        content = block.get("content")
        flt = content.get("filter") if isinstance(content, dict) else None
        if isinstance(flt, dict):
            low, high = flt.get("min_duration_secs"), flt.get("max_duration_secs")
            if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
                flt["min_duration_secs"], flt["max_duration_secs"] = high, low


def _steer_window(query: dict[str, Any]) -> None:
    start, until = _when(query.get("from")), _when(query.get("until"))
    if until is None:
        return
    try:
        if start is None:  # from defaults to now: give it one before until
            start = until - timedelta(hours=1)
            query["from"] = start.isoformat()
        if not timedelta(0) < until - start <= timedelta(days=14):
            query["until"] = (start + timedelta(hours=1)).isoformat()
    except OverflowError:  # at the ends of the calendar: leave it to the server
        return


def _when(value: object) -> datetime | None:
    """The datetime the server reads from ``value`` (msgspec's RFC 3339 parser)."""
    try:
        return msgspec.convert(value, datetime) if isinstance(value, str) else None
    except msgspec.ValidationError:
        return None
