"""Channel streams over real HTTP: MPEG-TS routes, HLS live, start-over, programmes, catch-up.

A real K-TV (uvicorn) over a local library of self-describing clips; every
check decodes what the stream shows and compares it with the channel's guide.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import m3u8
import pytest

from integration.live_ktv import LiveKtv, live_ktv, make_library
from integration.streaming_env import Capture, continuity_errors, decode_errors, unwrap_pts
from ktv_domain import BlockId, ChannelId, MediaItem, MediaItemId, ScheduledSlot, ScheduleView
from support.clips import CLIP_FPS, decode_shown

S = timedelta(seconds=1)
#: Transcoded output: the right frame within two frames of the clips' 25 fps.
TOLERANCE = 2.5 / CLIP_FPS


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_library(tmp_path_factory.mktemp("library"), {1: 20, 2: 26, 3: 32})


def _view(slots: list[dict[str, Any]]) -> ScheduleView:
    out = []
    for s in slots:
        item = MediaItem(id=MediaItemId(s["item"]["id"]), title=s["item"]["title"],
                         duration_secs=s["item"]["duration_secs"])
        out.append(ScheduledSlot(id=uuid.UUID(s["id"]), channel_id=ChannelId(uuid.UUID(int=0)),
                                 block_id=BlockId(uuid.UUID(s["block_id"])),
                                 generation=s["generation"],
                                 start_at=datetime.fromisoformat(s["start_at"]),
                                 end_at=datetime.fromisoformat(s["end_at"]), item=item))
    return ScheduleView(out)


async def _guide_view(k: LiveKtv, cid: str, around: datetime) -> ScheduleView:
    return _view(await k.guide(cid, around - timedelta(hours=2), around + timedelta(hours=2)))


async def _read(k: LiveKtv, url: str, path: Path, secs: float, **kw: Any) -> int:
    """GET a stream and keep what arrives for ``secs`` real seconds."""
    size = 0
    async with k.client.stream("GET", url, **kw) as r:
        assert r.status_code == 200, await r.aread()
        assert r.headers["content-type"] == "video/mp2t"
        deadline = time.monotonic() + secs
        with path.open("wb") as out:
            async for data in r.aiter_raw():
                out.write(data)
                size += len(data)
                if time.monotonic() > deadline:
                    break
    return size


# -- MPEG-TS ----------------------------------------------------------------------------------


async def test_ts_routes_play_what_the_guide_says_and_head_starts_nothing(
        library: Path, tmp_path: Path) -> None:
    async with live_ktv(tmp_path, library, rate=2.0) as k:
        ch = await k.channel("Clips", number="101")
        cid = ch["id"]
        feed = f"/iptv/{k.feed_token}/stream/101.ts"
        bearer = f"/api/v1/channels/{cid}/live.ts"
        head = await k.client.head(feed)
        assert (head.status_code, head.headers["content-type"]) == (200, "video/mp2t")
        head = await k.client.head(bearer, headers=k.headers)
        assert head.status_code == 200
        assert await k.ok("GET", "/api/v1/streams") == [], "HEAD starts nothing"
        # Jellyfin adds ?transcode=, Plex its own parameters: ignored.
        for i, (url, kw) in enumerate([(feed + "?transcode=native&X-Plex-Client=1", {}),
                                       (bearer, {"headers": k.headers}),
                                       (f"/iptv/{k.feed_token}/hdhr/auto/v101", {})]):
            path = tmp_path / f"route{i}.ts"
            await _read(k, url, path, 2.0, **kw)
            view = await _guide_view(k, cid, k.clock.now())
            cap = Capture(path, k.clock.now()).load()
            assert cap.timeline(), url
            assert cap.mismatches(view, tolerance=TOLERANCE, numbers=k.numbers) == [], url
            assert continuity_errors(path.read_bytes()) == []
        # The Bearer M3U hands players signed links: no header needed, a bad one is a 403;
        # catch-up parameters go after the signature.
        bearer_m3u = (await k.client.get("/api/v1/iptv/channels.m3u", headers=k.headers)).text
        signed, source = _catchup_of(bearer_m3u, "101")
        assert signed.startswith(f"{k.base_url}{bearer}?exp=")
        assert source.startswith("&utc=")
        assert (await k.client.head(signed)).status_code == 200
        await _read(k, signed, tmp_path / "signed.ts", 1.0)
        assert (await k.client.head(signed.replace("sig=", "sig=x"))).status_code == 403
        assert (await k.client.head(bearer)).status_code == 401
        # Each HDHomeRun lineup URL is this stream (Jellyfin appends ?transcode=).
        lineup = (await k.client.get(f"/iptv/{k.feed_token}/hdhr/lineup.json")).json()
        assert [e["GuideNumber"] for e in lineup] == ["101"]
        head = await k.client.head(lineup[0]["URL"] + "?transcode=heavy")
        assert (head.status_code, head.headers["content-type"]) == (200, "video/mp2t")
        sessions = await k.ok("GET", "/api/v1/streams")
        assert len(sessions) == 1, "every route shares the channel's one session"
        assert sessions[0]["channel_number"] == "101"
        assert sessions[0]["on_air"] == "item"
        # Unknown numbers, disabled channels and other users' channels are 404.
        assert (await k.client.get(f"/iptv/{k.feed_token}/stream/999.ts")).status_code == 404
        assert (await k.client.get(f"/iptv/{k.feed_token}/stream/101.mp4")).status_code == 404
        await k.ok("PUT", f"/api/v1/channels/{cid}", json={"enabled": False})
        assert (await k.client.head(feed)).status_code == 404
        assert (await k.client.get(bearer, headers=k.headers)).status_code == 404
        assert (await k.client.get("/iptv/ktvf_not-a-token/stream/101.ts")).status_code == 404


async def test_operators_see_and_stop_sessions_and_the_limit_is_a_503(
        library: Path, tmp_path: Path) -> None:
    async with live_ktv(tmp_path, library, rate=2.0, env={"STREAM_MAX_SESSIONS": "1"}) as k:
        one = await k.channel("One", number="1")
        two = await k.channel("Two", number="2")
        watching = asyncio.create_task(_read(k, f"/api/v1/channels/{one['id']}/live.ts",
                                             tmp_path / "one.ts", 60, headers=k.headers))
        for _ in range(100):  # until it is on
            if (await k.ok("GET", "/api/v1/streams")):
                break
            await asyncio.sleep(0.05)
        full = await k.client.get(f"/api/v1/channels/{two['id']}/live.ts", headers=k.headers)
        assert full.status_code == 503
        assert int(full.headers["retry-after"]) > 0
        assert full.headers["content-type"].startswith("application/problem+json")
        listed = await k.ok("GET", "/api/v1/streams")
        assert [s["channel_id"] for s in listed] == [one["id"]]
        assert listed[0]["viewers"] == 1
        # Another (non-admin) user neither sees, stops nor watches it.
        other = (await k.ok("POST", "/api/v1/auth/register", 201, json={
            "email": "other@example.com", "password": "another password 123"}))["access_token"]
        theirs = {"Authorization": f"Bearer {other}"}
        mine = await k.client.get("/api/v1/streams", headers=theirs)
        assert (mine.status_code, mine.json()) == (200, [])
        stop = await k.client.delete(f"/api/v1/streams/{one['id']}", headers=theirs)
        assert stop.status_code == 404
        peek = await k.client.head(f"/api/v1/channels/{one['id']}/live.ts", headers=theirs)
        assert peek.status_code == 404
        assert [s["viewers"] for s in await k.ok("GET", "/api/v1/streams")] == [1]
        await k.ok("DELETE", f"/api/v1/streams/{one['id']}", 204)
        assert await k.ok("GET", "/api/v1/streams") == []
        await asyncio.wait_for(watching, 10)  # its viewer was cut off: the stream ended
        await k.ok("DELETE", f"/api/v1/streams/{one['id']}", 404)


# -- HLS live ---------------------------------------------------------------------------------


async def test_live_hls_over_a_minute_follows_rfc_8216_and_the_guide(
        library: Path, tmp_path: Path) -> None:
    async with live_ktv(tmp_path, library, rate=4.0,
                        env={"STREAM_HLS_WINDOW_SECS": "12",
                             "CORS_ALLOWED_ORIGINS": "http://player.example"}) as k:
        ch = await k.channel("Clips")
        url = f"/api/v1/channels/{ch['id']}/hls/live.m3u8"
        origin = {"Origin": "http://player.example"}
        first = await k.client.get(url, headers={**k.headers, **origin})
        assert first.status_code == 200
        assert first.headers["content-type"] == "application/vnd.apple.mpegurl"
        assert first.headers["access-control-allow-origin"] == "http://player.example"
        began = k.clock.now()
        seen: dict[int, tuple[datetime, float, bool]] = {}  # seq -> (PDT, EXTINF, disc.)
        last: m3u8.M3U8 | None = None
        checked = 0
        while k.clock.now() - began < 60 * S:
            r = await k.client.get(url, headers=k.headers)
            playlist = m3u8.loads(r.text)
            _check_playlist(playlist, last, seen, settled=k.clock.now() - began > 8 * S)
            for seq, seg in _numbered(playlist):
                if seq in seen:
                    continue
                seen[seq] = (seg.program_date_time, seg.duration, seg.discontinuity)
                # Listed means fetchable: every new segment is fetched at once.
                data = await k.client.get(seg.uri, headers=origin)
                assert data.status_code == 200, seg.uri
                assert data.headers["content-type"] == "video/mp2t"
                assert data.headers["access-control-allow-origin"] == "http://player.example"
                path = tmp_path / f"seg{seq}.ts"
                path.write_bytes(data.content)
                checked += await _check_segment(k, ch["id"], path, seg.program_date_time)
            last = playlist
            await asyncio.sleep(0.25)
        assert len(seen) >= 25, "a minute of 2 s segments"
        assert last is not None
        assert last.media_sequence > 0, "old segments were reaped"
        assert checked == len(seen)


def _numbered(playlist: m3u8.M3U8) -> list[tuple[int, Any]]:
    return [(playlist.media_sequence + i, seg) for i, seg in enumerate(playlist.segments)]


def _check_playlist(p: m3u8.M3U8, last: m3u8.M3U8 | None,
                    seen: dict[int, tuple[datetime, float, bool]], *, settled: bool) -> None:
    assert p.version is not None
    assert p.target_duration == 2
    assert p.is_independent_segments
    assert not p.is_endlist
    assert p.segments, "never an empty live playlist"
    for seg in p.segments:
        assert round(seg.duration) <= p.target_duration, "EXTINF <= TARGETDURATION"
        assert seg.program_date_time is not None, "PROGRAM-DATE-TIME on every segment"
    if settled:
        assert sum(s.duration for s in p.segments) >= 3 * p.target_duration - 0.01
    # A segment keeps its sequence number and its tags from one playlist to the next.
    for seq, seg in _numbered(p):
        if seq in seen:
            assert seen[seq][0] == seg.program_date_time
    if last is None:
        return
    removed = [seq for seq, _ in _numbered(last) if seq < p.media_sequence]
    assert p.media_sequence - last.media_sequence == len(removed)
    removed_discontinuities = sum(1 for seq in removed if seen[seq][2])
    assert p.discontinuity_sequence - last.discontinuity_sequence == removed_discontinuities
    # Live playlists only grow at the tail: what stayed is in the same order.
    kept = [seq for seq, _ in _numbered(last) if seq >= p.media_sequence]
    assert kept == [seq for seq, _ in _numbered(p)][:len(kept)]


async def _check_segment(k: LiveKtv, cid: str, path: Path, pdt: datetime) -> int:
    """A segment decodes cleanly and its first frame is what the guide has at its PDT."""
    assert decode_errors(path) == ""
    frames = list(decode_shown(path))
    assert frames, path
    first_at = unwrap_pts(frames[0].pts or 0, pdt)
    assert abs((first_at - pdt).total_seconds()) < 0.002, "PDT = the first frame's instant"
    view = await _guide_view(k, cid, pdt)
    cap = Capture(path, pdt).load()
    assert cap.mismatches(view, tolerance=TOLERANCE, numbers=k.numbers) == []
    return 1


# -- start-over, programmes, time-shift, catch-up ---------------------------------------------


@pytest.fixture
async def history(library: Path, tmp_path: Path) -> AsyncIterator[tuple[LiveKtv, dict[str, Any]]]:
    """A channel generated an hour ago: an hour of history to replay."""
    start = datetime.now(UTC) - timedelta(hours=1)
    async with live_ktv(tmp_path, library, rate=3.0, start=start) as k:
        ch = await k.channel("History", number="5")
        k.clock.jump(timedelta(hours=1))
        yield k, ch


async def _playlist(k: LiveKtv, url: str, **kw: Any) -> m3u8.M3U8:
    r = await k.client.get(url, headers=k.headers, **kw)
    assert r.status_code == 200, r.text
    return m3u8.loads(r.text)


async def test_start_over_begins_at_the_programmes_first_frame(
        history: tuple[LiveKtv, dict[str, Any]], tmp_path: Path) -> None:
    k, ch = history
    now = k.clock.now()
    on_air = (await _guide_view(k, ch["id"], now)).now(now)
    assert on_air is not None
    unpinned = f"/api/v1/channels/{ch['id']}/hls/startover.m3u8"
    # Players reload the playlist: the first answer pins the programme in the URL.
    pin = await k.client.get(unpinned, headers=k.headers)
    pinned = f"{unpinned}?slot={on_air.slot.id}"
    assert pin.status_code == 302
    assert str(pin.url.join(pin.headers["location"])) == f"{k.base_url}{pinned}"
    p = await _playlist(k, unpinned, follow_redirects=True)
    assert "#EXT-X-START:TIME-OFFSET=0" in p.dumps(), "players start at its beginning"
    assert p.segments[0].program_date_time == on_air.slot.start_at.replace(microsecond=(
        on_air.slot.start_at.microsecond // 1000) * 1000)
    data = await k.client.get(p.segments[0].uri)
    path = tmp_path / "startover.ts"
    path.write_bytes(data.content)
    shown = list(decode_shown(path))
    assert (shown[0].item, shown[0].frame) == (k.numbers[on_air.slot.item.id], 0)
    # The guide's catch-up link of the programme on air is this start-over playlist.
    guide = await k.guide(ch["id"], now, now + S)
    assert guide[0]["catchup_url"] == pinned
    # A player reloading the pinned playlist past the programme's end stays on it, in the
    # same session; the unpinned URL now pins the new programme.
    deadline = time.monotonic() + 30
    while k.clock.now() < on_air.slot.end_at + S:
        assert time.monotonic() < deadline
        again = await _playlist(k, pinned)
        await asyncio.sleep(0.5)
    assert again.segments[0].program_date_time == p.segments[0].program_date_time
    assert again.segments[0].uri.split("?")[0] == p.segments[0].uri.split("?")[0]
    moved = await k.client.get(unpinned, headers=k.headers)
    assert moved.status_code == 302
    assert moved.headers["location"] not in pinned
    # A programme not started, or of another channel, cannot be pinned.
    later = (await _guide_view(k, ch["id"], k.clock.now())).slots[-1]
    for slot_id, status in ((later.id, 404), (uuid.uuid4(), 404), ("nope", 400)):
        r = await k.client.get(f"{unpinned}?slot={slot_id}", headers=k.headers)
        assert r.status_code == status, r.text


async def test_a_past_programme_is_a_seekable_vod_playlist(
        history: tuple[LiveKtv, dict[str, Any]], tmp_path: Path) -> None:
    k, ch = history
    now = k.clock.now()
    past = [s for s in await k.guide(ch["id"], now - timedelta(minutes=50), now)
            if datetime.fromisoformat(s["end_at"]) <= now]
    slot = past[len(past) // 2]
    assert slot["catchup_url"] == f"/api/v1/channels/{ch['id']}/hls/programme/{slot['id']}.m3u8"
    p = await _playlist(k, slot["catchup_url"])
    assert p.is_endlist
    assert p.playlist_type == "vod"
    length = (datetime.fromisoformat(slot["end_at"])
              - datetime.fromisoformat(slot["start_at"])).total_seconds()
    total = sum(s.duration for s in p.segments)
    assert abs(total - length) <= p.target_duration, "sums to the slot (± one segment)"
    assert len(p.segments) == math.ceil(length / p.target_duration)
    view = await _guide_view(k, ch["id"], datetime.fromisoformat(slot["start_at"]))
    for index in (0, len(p.segments) // 2, len(p.segments) - 1):
        seg = p.segments[index]
        r = await k.client.get(seg.uri)  # no header: the link is signed
        assert r.status_code == 200, r.text
        path = tmp_path / f"vod{index}.ts"
        path.write_bytes(r.content)
        assert decode_errors(path) == ""
        cap = Capture(path, seg.program_date_time).load()
        assert cap.mismatches(view, tolerance=TOLERANCE, numbers=k.numbers) == []
        first_at, shown = cap.timeline()[0]
        assert abs((first_at - seg.program_date_time).total_seconds()) < 0.002
        assert shown.secs == pytest.approx(index * p.target_duration, abs=TOLERANCE)
    tampered = p.segments[0].uri.replace("sig=", "sig=0")
    assert (await k.client.get(tampered)).status_code == 403


async def test_utc_replays_what_aired_then_across_a_boundary(
        history: tuple[LiveKtv, dict[str, Any]], tmp_path: Path) -> None:
    k, ch = history
    now = k.clock.now()
    guide = await k.guide(ch["id"], now - timedelta(minutes=45), now)
    # An instant 8 s before a programme ends: the replay crosses into the next one.
    boundary = datetime.fromisoformat(guide[3]["end_at"])
    at = boundary - 8 * S
    utc = int(at.timestamp())
    view = await _guide_view(k, ch["id"], at)
    p = await _playlist(k, f"/api/v1/channels/{ch['id']}/hls/live.m3u8", params={"utc": utc})
    assert abs((p.segments[0].program_date_time - at).total_seconds()) < 1.0
    # The TS route replays the same instant: the URL an IPTV player builds from the M3U's
    # catch-up attributes (the stream URL + the source, its placeholders filled in).
    m3u = (await k.client.get(f"/iptv/{k.feed_token}/channels.m3u")).text
    stream_url, source = _catchup_of(m3u, "5")
    url = stream_url + source.replace("{utc}", str(utc)).replace(
        "{lutc}", str(int(now.timestamp())))
    path = tmp_path / "utc.ts"
    await _read(k, url, path, 5.0)
    cap = Capture(path, at).load()
    assert cap.mismatches(view, tolerance=TOLERANCE, numbers=k.numbers) == []
    shown = cap.timeline()
    assert abs((shown[0][0] - datetime.fromtimestamp(utc, UTC)).total_seconds()) < 0.5
    assert shown[-1][0] > boundary + 2 * S, "it played on into the next programme"
    assert {s.item for _, s in shown} == {k.numbers[MediaItemId(guide[3]["item"]["id"])],
                                         k.numbers[MediaItemId(guide[4]["item"]["id"])]}


def _catchup_of(m3u: str, number: str) -> tuple[str, str]:
    """(stream URL, catch-up source) of channel ``number`` in an M3U."""
    lines = m3u.splitlines()
    for i, line in enumerate(lines):
        attrs = dict(re.findall(r'([a-z0-9\-_]+)="([^"]+)"', line))
        if line.startswith("#EXTINF") and attrs.get("tvg-chno") == number:
            assert attrs["catchup"] == "append"
            return lines[i + 1], attrs["catchup-source"]
    raise AssertionError(f"channel {number} is not in the playlist")


async def test_catch_up_refusals_say_which(library: Path, tmp_path: Path) -> None:
    start = datetime.now(UTC) - timedelta(hours=2)
    lib = make_library(tmp_path / "lib", {7: 20, 8: 22})
    del library
    async with live_ktv(tmp_path, lib, start=start) as k:
        short = await k.channel("Short memory", number="1", catchup_days=1)
        off = await k.channel("No memory", number="2", catchup_days=0)
        k.clock.jump(timedelta(hours=2))
        now = int(k.clock.now().timestamp())
        live = f"/api/v1/channels/{short['id']}/hls/live.m3u8"

        async def problem(url: str, status: int, words: str, **params: int) -> None:
            r = await k.client.get(url, headers=k.headers, params=params)
            assert r.status_code == status, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert words in r.json()["detail"]

        await problem(live, 410, "older than this channel's 1-day catch-up window",
                      utc=now - 2 * 86400)
        await problem(live, 404, "has not aired yet", utc=now + 3600)
        await problem(f"/api/v1/channels/{short['id']}/live.ts", 410, "catch-up window",
                      utc=now - 2 * 86400)
        await problem(f"/api/v1/channels/{off['id']}/hls/live.m3u8", 404, "catch-up is off",
                      utc=now - 60)
        await problem(f"/api/v1/channels/{off['id']}/hls/startover.m3u8", 404,
                      "catch-up is off")
        guide = await k.guide(off["id"], k.clock.now() - timedelta(hours=1), k.clock.now())
        assert {s["catchup_url"] for s in guide} == {None}
        # A programme whose file left the library is gone (after the next scan).
        past = [s for s in await k.guide(short["id"], k.clock.now() - timedelta(hours=1),
                                         k.clock.now())
                if datetime.fromisoformat(s["end_at"]) <= k.clock.now()]
        gone = next(s for s in past if k.numbers[MediaItemId(s["item"]["id"])] == 8)
        (lib / "Clip 08.mp4").unlink()
        await k.ok("POST", "/api/v1/library/scan", 202)
        for _ in range(100):
            items = await k.ok("GET", "/api/v1/library/items")
            if len(items["items"]) == 1:
                break
            await asyncio.sleep(0.1)
        await problem(gone["catchup_url"], 410, "no longer in the library")
        await problem(f"/api/v1/channels/{short['id']}/hls/programme/{uuid.uuid4()}.m3u8",
                      404, "no such programme")
