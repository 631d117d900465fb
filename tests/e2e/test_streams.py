"""A newcomer's path to watching: the real ``ktv serve`` over a folder of videos, a
channel, its M3U, and real players reading the stream -- ffmpeg and mpv.

What they receive is decoded and compared with the channel's guide: the stream
shows what the guide says, frame by frame.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from e2e.process import KtvServer, start_server
from integration.live_ktv import ALL_DAY, make_library
from integration.streaming_env import Capture, continuity_errors
from ktv_domain import BlockId, ChannelId, MediaItem, MediaItemId, ScheduledSlot, ScheduleView
from support.clips import CLIP_FPS
from support.ffmpeg import ffmpeg_exe
from support.tools import require_tool

TOLERANCE = 2.5 / CLIP_FPS


@pytest.fixture
def server(tmp_path: Path) -> Any:
    library = make_library(tmp_path / "videos", {1: 18, 2: 22, 3: 26})
    workdir = tmp_path / "ktv"
    workdir.mkdir()
    server = start_server(workdir, MEDIA_DIRS=str(library), STREAM_HEIGHT="180",
                          SHORT_MAX_SECS="5", STREAM_IDLE_SECS="3")
    try:
        yield server
    finally:
        if server.exit_code is None:
            server.stop()


def _setup(server: KtvServer) -> tuple[httpx.Client, dict[str, Any], str, dict[MediaItemId, int]]:
    c = httpx.Client(base_url=f"{server.base_url}/api/v1", trust_env=False, timeout=30)
    token = c.post("/auth/register", json={"email": "new@example.com",
                                            "password": "watch-k-tv-1"}).json()["access_token"]
    c.headers["Authorization"] = f"Bearer {token}"
    deadline = time.monotonic() + 30
    while c.get("/library/scan").json().get("items", 0) < 3:
        assert time.monotonic() < deadline, c.get("/library/scan").text
        time.sleep(0.1)
    numbers = {MediaItemId(i["id"]): int(i["title"].split()[-1])
               for i in c.get("/library/items").json()["items"]}
    ch = c.post("/channels", json={"name": "Clips", "number": "101",
                                   "schedule_config": {"blocks": [ALL_DAY]}}).json()
    assert c.post(f"/channels/{ch['id']}/schedule").status_code == 201
    m3u = c.post("/auth/feed-token").json()["m3u_url"]
    return c, ch, m3u, numbers


def _guide(c: httpx.Client, cid: str, since: datetime) -> ScheduleView:
    """The guide from ``since`` (a slot that ended during a capture is in it)."""
    slots = c.get(f"/channels/{cid}/epg", params={"from": since.isoformat()}).json()
    return ScheduleView(ScheduledSlot(
        id=uuid.UUID(s["id"]), channel_id=ChannelId(uuid.UUID(cid)),
        block_id=BlockId(uuid.UUID(s["block_id"])), generation=s["generation"],
        start_at=datetime.fromisoformat(s["start_at"]), end_at=datetime.fromisoformat(s["end_at"]),
        item=MediaItem(id=MediaItemId(s["item"]["id"]), title=s["item"]["title"],
                       duration_secs=s["item"]["duration_secs"])) for s in slots)


def test_ffmpeg_and_mpv_play_the_channel_from_its_m3u(server: KtvServer,
                                                      tmp_path: Path) -> None:
    c, ch, m3u_url, numbers = _setup(server)
    playlist = httpx.get(m3u_url, trust_env=False).text
    stream_url = next(line for line in playlist.splitlines() if line.startswith("http"))
    assert stream_url.endswith("/stream/101.ts")
    started = datetime.now().astimezone()
    capture = tmp_path / "ffmpeg.ts"
    # ffmpeg as a client for 10 s of the channel (its own -t: it stops by itself; -copyts
    # keeps the stream's timestamps, which are the guide's instants).
    run = subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-copyts", "-t", "10",
                          "-i", stream_url, "-map", "0", "-c", "copy", "-muxdelay", "0",
                          "-muxpreload", "0", "-f", "mpegts",
                          str(capture)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "", "ffmpeg read the stream without a complaint"
    view = _guide(c, ch["id"], started)
    cap = Capture(capture, started).load()
    assert cap.mismatches(view, tolerance=TOLERANCE, numbers=numbers) == []
    shown = cap.timeline()
    assert (shown[-1][0] - shown[0][0]).total_seconds() >= 9.5, "ten seconds of it"
    assert continuity_errors(capture.read_bytes()) == []
    # mpv, a real player, plays it too (and the feed token's HLS playlist).
    mpv = require_tool("mpv", apt_package="mpv")
    hls_url = stream_url.replace("/stream/101.ts", "/hls/101/live.m3u8")
    for url in (stream_url, hls_url):
        played = subprocess.run([mpv, "--no-config", "--vo=null", "--ao=null", "--length=4",
                                 "--msg-level=all=error", url],
                                capture_output=True, text=True, timeout=60)
        assert played.returncode == 0, (url, played.stdout, played.stderr)
    # The session ends once nobody watches (STREAM_IDLE_SECS=3).
    deadline = time.monotonic() + 20
    while c.get("/streams").json() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert c.get("/streams").json() == []
