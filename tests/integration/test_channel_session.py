"""Channel sessions with real ffmpeg: what the stream *shows* is what the guide says.

Clips are self-describing (``support.clips``): every decoded frame says which
item and which frame it is, and its timestamp says which instant the stream
gives it, so each test compares the picture with the schedule frame by frame.
The channel's clock runs a few times faster than real time (``FastClock``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import av
import httpx
import pytest

from fakes.http_server import serve_handler
from fakes.jellyfin import FakeJellyfin
from integration.oidc_env import reserve_port
from integration.streaming_env import (
    FPS_TOLERANCE,
    Capture,
    FastClock,
    FileInputs,
    MutableSchedule,
    channel_for,
    continuity_errors,
    decode_errors,
    ffmpeg_children,
    item,
    record,
    slot,
    timestamp_errors,
)
from ktv_domain import Channel, MediaInput, MediaInputs, MediaItem, MediaItemId
from ktv_jellyfin import JellyfinProvider
from ktv_streaming import (
    ProfileName,
    SessionKey,
    SessionLimitReached,
    StreamManager,
    StreamSettings,
    Viewer,
)
from support.clips import make_clip
from support.ffmpeg import ffmpeg_exe

S = timedelta(seconds=1)
#: Copy starts at the keyframe before the offset: the clips have one every second.
COPY_TOLERANCE = 1.05
#: The pillarboxed place of a 4:3 clip in the 320x180 transcoded picture.
BOX_4_3 = (40, 0, 240, 180)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    d = tmp_path_factory.mktemp("clips")
    return {1: make_clip(d / "one.mp4", 1, 14), 2: make_clip(d / "two.mp4", 2, 10),
            3: make_clip(d / "three.mp4", 3, 8, size=(240, 180), audio=False),
            4: make_clip(d / "four.m4a", 4, 6, video=False),
            # Long and large enough that ffmpeg is still running (blocked on its pipe).
            5: make_clip(d / "five.mp4", 5, 60, size=(640, 360))}


@dataclass
class Rig:
    clock: FastClock
    channel: Channel
    schedule: MutableSchedule
    inputs: FileInputs
    manager: StreamManager
    items: dict[int, MediaItem]
    profile: ProfileName

    @property
    def numbers(self) -> dict[MediaItemId, int]:
        return {it.id: n for n, it in self.items.items()}

    def key(self, channel: Channel | None = None) -> SessionKey:
        return SessionKey((channel or self.channel).id, self.profile)

    async def watch(self, channel: Channel | None = None) -> Viewer:
        return await self.manager.watch(self.key(channel), channel or self.channel,
                                        self.schedule)


@asynccontextmanager
async def rig(clips: dict[int, Path], *, rate: float = 3.0,
              profile: ProfileName = ProfileName.TRANSCODE, inputs: MediaInputs | None = None,
              **settings: float) -> AsyncIterator[Rig]:
    clock = FastClock(rate)
    items = {n: item(n, secs) for n, secs in ((1, 14), (2, 10), (3, 8), (4, 6), (5, 60))}
    files = FileInputs({items[n].id: str(path) for n, path in clips.items()})
    config = StreamSettings(ffmpeg=ffmpeg_exe(), default_profile=profile, height=180,
                            **settings)  # type: ignore[arg-type]
    manager = StreamManager(config, clock, inputs or files, sleep=clock.sleep)
    try:
        yield Rig(clock=clock, channel=channel_for(), schedule=MutableSchedule(), inputs=files,
                  manager=manager, items=items, profile=profile)
    finally:
        await manager.close()


def _first(capture: Capture, number: int) -> tuple[datetime, int]:
    at, shown = min(((at, s) for at, s in capture.timeline() if s.item == number),
                    key=lambda p: p[0])
    assert shown.frame is not None
    return at, shown.frame


def _discontinuity_flags(data: bytes) -> int:
    return sum(1 for i in range(0, len(data) - 187, 188)
               if data[i + 3] & 0x20 and data[i + 4] and data[i + 5] & 0x80)


@pytest.mark.parametrize("profile", [ProfileName.TRANSCODE, ProfileName.COPY])
async def test_tune_in_boundary_and_gap_follow_the_guide(clips: dict[int, Path], tmp_path: Path,
                                                         profile: ProfileName) -> None:
    async with rig(clips, profile=profile) as r:
        now = r.clock.now()
        one = slot(r.channel, r.items[1], now - 5 * S)             # on air, 5 s in
        two = slot(r.channel, r.items[2], one.end_at + 2 * S)     # after a 2 s gap
        r.schedule.replace([one, two])
        path = tmp_path / "capture.ts"
        t0 = time.monotonic()
        await record(await r.watch(), path, wall_secs=5.5)
        elapsed = time.monotonic() - t0
    cap = Capture(path, r.clock.now()).load()
    view = r.schedule.current
    assert view is not None
    tolerance = FPS_TOLERANCE if profile is ProfileName.TRANSCODE else COPY_TOLERANCE
    # Every frame shows what the guide has on air at that frame's instant.
    assert cap.mismatches(view, tolerance=tolerance, numbers=r.numbers) == []
    timeline = cap.timeline()
    # It tuned in mid-show, at the offset the clock was at (not at the start).
    start_at, first = timeline[0]
    assert first.item == 1
    assert abs(start_at - now) < 2 * S
    assert first.secs == pytest.approx((start_at - one.start_at).total_seconds(), abs=tolerance)
    # The item ends exactly at its slot's end; the gap is the slate; the next item
    # starts at its scheduled instant, from its first frame.
    assert max(at for at, s in timeline if s.item == 1) < one.end_at
    assert any(s.item is None for at, s in timeline if one.end_at <= at < two.start_at)
    at, frame = _first(cap, 2)
    assert abs((at - two.start_at).total_seconds()) <= 1.5 / 30
    assert frame == 0
    assert timeline[-1][0] > two.start_at + 5 * S, "the capture reaches well into item 2"
    # Paced: never more than the clock's advance plus the lead (a burst, then real time).
    lead = r.manager.settings.lead_secs
    span = (timeline[-1][0] - timeline[0][0]).total_seconds()
    assert span <= elapsed * r.clock.rate + lead + 1.0
    # One continuous, clean transport stream across items and the slate.
    data = path.read_bytes()
    assert continuity_errors(data) == []
    assert timestamp_errors(path) == []
    assert decode_errors(path) == ""
    if profile is ProfileName.COPY:  # encoding may change at each boundary: flagged
        assert _discontinuity_flags(data) >= 2 * 3
    else:  # one encoding throughout: nothing to flag
        assert _discontinuity_flags(data) == 0


async def test_viewers_share_one_ffmpeg_that_stops_after_the_last_leaves(
        clips: dict[int, Path], tmp_path: Path) -> None:
    async with rig(clips, idle_secs=1) as r:
        r.schedule.replace([slot(r.channel, r.items[1], r.clock.now() - 2 * S)])
        first = await r.watch()
        await record_some(first, 1.0)
        second = await r.watch()
        path = tmp_path / "joined.ts"
        assert len(r.manager) == 1
        session = r.manager.session(r.key())
        assert session is not None
        joined_at = r.clock.now()
        await record(second, path, wall_secs=1.5)
        assert session.stats.ffmpeg_runs == 1, "one ffmpeg run for two viewers"
        assert set(ffmpeg_children()) <= {session.pid}
        first.close()
        # A viewer who joins a running channel starts at once, at a keyframe with PAT/PMT
        # first, showing what the guide has now (the most recent keyframe before it).
        assert path.read_bytes()[:3] == b"\x47\x40\x00"  # a PAT (PID 0, unit start)
        cap = Capture(path, r.clock.now()).load()
        assert decode_errors(path) == ""
        start_at, shown = cap.timeline()[0]
        assert shown.item == 1
        assert timedelta(0) <= joined_at - start_at <= 2.5 * S  # at most one GOP back
        await _until(lambda: not len(r.manager) and not ffmpeg_children(), within=10)
        assert len(r.manager) == 0, "the session stops once nobody watches"
        assert ffmpeg_children() == []


async def _until(condition: Callable[[], bool], *, within: float) -> None:
    """Wait (real time) until ``condition`` holds or ``within`` seconds pass."""
    deadline = time.monotonic() + within
    while not condition() and time.monotonic() < deadline:  # noqa: ASYNC110 - polling state
        await asyncio.sleep(0.1)


async def record_some(viewer: Viewer, secs: float) -> int:
    got = 0
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        data = await asyncio.wait_for(viewer.next(), 5)
        assert data is not None
        got += len(data)
    return got


async def test_a_killed_ffmpeg_resumes_the_right_item_at_the_right_offset(
        clips: dict[int, Path], tmp_path: Path) -> None:
    async with rig(clips, rate=3.0) as r:
        r.schedule.replace([slot(r.channel, r.items[5], r.clock.now() - 2 * S)])
        viewer = await r.watch()
        path = tmp_path / "killed.ts"
        recording = asyncio.create_task(record(viewer, path, wall_secs=15.0))
        try:
            await asyncio.sleep(1.0)
            session = r.manager.session(r.key())
            assert session is not None
            assert session.pid is not None
            assert session.pid in ffmpeg_children()
            os.kill(session.pid, signal.SIGKILL)
            # What was already read out of the dead ffmpeg still plays; then it restarts.
            await _until(lambda: session.stats.restarts > 0, within=10)
            await asyncio.sleep(1.5)
        finally:
            viewer.close()
            await recording
        assert session.stats.restarts == 1
        assert session.stats.ffmpeg_runs == 2
    view = r.schedule.current
    assert view is not None
    cap = Capture(path, r.clock.now()).load()
    assert cap.mismatches(view, tolerance=FPS_TOLERANCE, numbers=r.numbers) == []
    instants = [at for at, _ in cap.timeline()]
    # The stream goes on from where it was: no hole in what it shows.
    assert max(b - a for a, b in itertools.pairwise(instants)) < 0.5 * S
    assert instants[-1] - instants[0] > 6 * S
    assert timestamp_errors(path) == []
    assert continuity_errors(path.read_bytes()) == []


async def test_a_viewer_that_stops_reading_is_dropped_without_stalling_another(
        clips: dict[int, Path], tmp_path: Path) -> None:
    async with rig(clips, drop_after_secs=1.0) as r:
        r.schedule.replace([slot(r.channel, r.items[1], r.clock.now() - 1 * S)])
        stuck = await r.watch()  # never reads
        path = tmp_path / "reader.ts"
        t0 = r.clock.now()
        await record(await r.watch(), path, wall_secs=3.0)
        t1 = r.clock.now()
        assert stuck.closed
        assert stuck.reason is not None
        assert "too slow" in stuck.reason
    view = r.schedule.current
    assert view is not None
    cap = Capture(path, r.clock.now()).load()
    assert cap.mismatches(view, tolerance=FPS_TOLERANCE, numbers=r.numbers) == []
    shown = cap.timeline()
    assert shown[-1][0] >= t1 - 1 * S, f"the reader kept up ({t0} .. {t1})"


async def test_the_session_limit_refuses_a_new_channel_but_evicts_an_idle_one(
        clips: dict[int, Path]) -> None:
    async with rig(clips, max_sessions=1, idle_secs=60) as r:
        other = channel_for("Other", number="8")
        r.schedule.replace([slot(r.channel, r.items[1], r.clock.now())])
        watching = await r.watch()
        with pytest.raises(SessionLimitReached) as refused:
            await r.watch(other)
        assert refused.value.retry_after > 0
        watching.close()  # now idle (60 s before it would stop on its own)
        await asyncio.sleep(0.1)
        viewer = await r.watch(other)
        assert r.manager.session(r.key(other)) is not None
        assert r.manager.session(r.key()) is None, "the idle session made room"
        viewer.close()


async def test_failing_sources_play_the_slate_for_their_slot_then_the_next_item(
        clips: dict[int, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with rig(clips) as r:
        missing, down = item(9, 4), item(8, 3)
        now = r.clock.now()
        s_missing = slot(r.channel, missing, now - 1 * S)
        s_down = slot(r.channel, down, s_missing.end_at)
        s_next = slot(r.channel, r.items[2], s_down.end_at)
        r.inputs.files[down.id] = "http://127.0.0.1:9/gone.mp4"  # nothing listens there
        r.schedule.replace([s_missing, s_down, s_next])
        path = tmp_path / "failing.ts"
        with caplog.at_level(logging.WARNING, logger="ktv.streaming"):
            await record(await r.watch(), path, wall_secs=4.0)
    view = r.schedule.current
    assert view is not None
    cap = Capture(path, r.clock.now()).load()
    assert cap.mismatches(view, tolerance=FPS_TOLERANCE, numbers=r.numbers,
                          slate=frozenset({missing.id, down.id})) == []
    at, frame = _first(cap, 2)
    assert abs((at - s_next.start_at).total_seconds()) <= 1.5 / 30
    assert frame == 0
    warned = [rec for rec in caplog.records if "slate" in rec.getMessage()]
    assert {getattr(rec, "item_id", None) for rec in warned} >= {missing.id, down.id}
    assert decode_errors(path) == ""


async def test_a_regeneration_takes_effect_at_the_next_boundary(clips: dict[int, Path],
                                                                tmp_path: Path) -> None:
    async with rig(clips) as r:
        now = r.clock.now()
        on_air = slot(r.channel, r.items[1], now - 6 * S)   # ends now + 8
        r.schedule.replace([on_air, slot(r.channel, r.items[2], on_air.end_at)])
        viewer = await r.watch()
        path = tmp_path / "regen.ts"
        recording = asyncio.create_task(record(viewer, path, wall_secs=5.0))
        await asyncio.sleep(0.5)
        # A new generation keeps the slot on air and puts item 1 again after it.
        again = slot(r.channel, r.items[1], on_air.end_at, generation=2)
        r.schedule.replace([on_air, again])
        await recording
    view = r.schedule.current
    assert view is not None
    cap = Capture(path, r.clock.now()).load()
    assert cap.mismatches(view, tolerance=FPS_TOLERANCE, numbers=r.numbers) == []
    after = [(at, s) for at, s in cap.timeline() if at >= on_air.end_at]
    assert after, "the capture crosses the boundary"
    assert all(s.item == 1 for _, s in after), "item 2 of the old generation never plays"
    assert after[0][1].frame == 0


async def test_no_schedule_plays_the_slate_until_one_is_stored(clips: dict[int, Path],
                                                               tmp_path: Path) -> None:
    async with rig(clips) as r:
        viewer = await r.watch()
        path = tmp_path / "late.ts"
        recording = asyncio.create_task(record(viewer, path, wall_secs=4.5))
        await asyncio.sleep(1.0)
        stored_at = r.clock.now()
        r.schedule.replace([slot(r.channel, r.items[1], stored_at - 2 * S)])
        await recording
    view = r.schedule.current
    assert view is not None
    cap = Capture(path, r.clock.now()).load()
    shown = cap.timeline()
    assert shown[0][1].item is None  # the slate first
    switch, _ = _first(cap, 1)
    # It gives way at the first slate clip not yet sent (those within the lead were).
    lead = r.manager.settings.lead_secs
    assert switch <= stored_at + timedelta(seconds=lead + 2.5)
    assert cap.mismatches(view, tolerance=FPS_TOLERANCE, numbers=r.numbers, after=switch) == []


async def test_items_of_any_shape_play_normalised(clips: dict[int, Path], tmp_path: Path) -> None:
    """A 4:3 clip without audio is pillarboxed with silence; an audio-only item gets a
    still picture: one format throughout, audio and video with no hole."""
    async with rig(clips) as r:
        now = r.clock.now()
        silent = slot(r.channel, r.items[3], now - 2 * S)       # 4:3, no audio, ends now + 6
        radio = slot(r.channel, r.items[4], silent.end_at)      # audio only, 6 s
        r.schedule.replace([silent, radio, slot(r.channel, r.items[1], radio.end_at)])
        path = tmp_path / "shapes.ts"
        await record(await r.watch(), path, wall_secs=5.5)
    view = r.schedule.current
    assert view is not None
    cap = Capture(path, r.clock.now()).load(BOX_4_3)
    assert cap.mismatches(view, tolerance=FPS_TOLERANCE, numbers=r.numbers,
                          slate=frozenset({r.items[4].id})) == []
    assert _first(cap, 1)[1] == 0, "the capture reaches the third item"
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (320, 180)
        audio_times = [float(p.pts * p.time_base) for p in container.demux(audio=0)
                       if p.pts is not None]
    holes = [b - a for a, b in itertools.pairwise(audio_times)]
    assert audio_times, "an audio stream throughout"
    assert max(holes) < 0.1, "silence and tone, never no audio"
    assert decode_errors(path) == ""


async def test_a_jellyfin_source_streams_over_http_with_ranges_and_its_key_never_leaks(
        clips: dict[int, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeJellyfin(api_key="0123456789abcdef0123456789abcdef")
    library = fake.add_library("Movies")
    video = fake.add_video("One", library, minutes=14 / 60)
    fake.media[video.id] = clips[1].read_bytes()
    with serve_handler(fake.handle) as base_url:
        fake.base_url = base_url
        async with httpx.AsyncClient() as client:
            provider = JellyfinProvider(base_url, fake.api_key, None, client=client)
            async with rig(clips, inputs=provider) as r:
                one = MediaItem(id=MediaItemId(video.id), title="One", duration_secs=14)
                r.items[1] = one
                r.schedule.replace([slot(r.channel, one, r.clock.now() - 4 * S)])
                path = tmp_path / "jellyfin.ts"
                with caplog.at_level(logging.DEBUG):
                    await record(await r.watch(), path, wall_secs=2.5)
    view = r.schedule.current
    assert view is not None
    cap = Capture(path, r.clock.now()).load()
    assert cap.timeline(), "the Jellyfin item played"
    assert cap.mismatches(view, tolerance=FPS_TOLERANCE, numbers={one.id: 1}) == []
    reads = [q for q in fake.requests if "/videos/" in q.url.path.casefold()]
    assert reads
    assert all("static=true" in str(q.url) for q in reads)
    assert all(fake.api_key in q.headers.get("authorization", "") for q in reads)
    assert all(fake.api_key not in str(q.url) for q in reads), "the key is never in a URL"
    assert any(q.headers.get("range") for q in reads), "ffmpeg seeks with byte ranges"
    assert fake.api_key not in caplog.text
    assert "-headers" in caplog.text, "the command line was logged (with the key masked)"


@dataclass
class RoutedInputs:
    """One item from a Jellyfin provider, every other from local files."""

    provider: JellyfinProvider
    remote: MediaItemId
    files: FileInputs

    async def media_input(self, item_id: MediaItemId) -> MediaInput:
        if item_id == self.remote:
            return await self.provider.media_input(item_id)
        return await self.files.media_input(item_id)


@pytest.mark.parametrize("trouble", ["down", "slow"])
async def test_a_jellyfin_source_down_or_slow_plays_the_slate_for_its_slot(
        trouble: str, clips: dict[int, Path], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeJellyfin(api_key="0123456789abcdef0123456789abcdef")
    video = fake.add_video("One", fake.add_library("Movies"), minutes=14 / 60)
    fake.media[video.id] = clips[1].read_bytes()
    answered = threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        answered.wait(20)  # far beyond the session's patience
        return fake.handle(request)

    refusing = reserve_port()  # bound, never listening: connections are refused
    closed_url = f"http://127.0.0.1:{refusing.getsockname()[1]}"
    with refusing, serve_handler(slow) as slow_url:
        url = closed_url if trouble == "down" else slow_url
        async with httpx.AsyncClient() as client:
            remote = MediaItem(id=MediaItemId(video.id), title="One", duration_secs=14)
            files = FileInputs()
            inputs = RoutedInputs(JellyfinProvider(url, fake.api_key, None, client=client),
                                  remote.id, files)
            async with rig(clips, inputs=inputs, resolve_timeout_secs=1.0) as r:
                files.files[r.items[2].id] = str(clips[2])
                now = r.clock.now()
                s_remote = slot(r.channel, remote, now - 1 * S, length=12 * S)
                s_next = slot(r.channel, r.items[2], s_remote.end_at)
                r.schedule.replace([s_remote, s_next])
                path = tmp_path / f"jellyfin-{trouble}.ts"
                with caplog.at_level(logging.DEBUG):
                    await record(await r.watch(), path, wall_secs=5.5)
        answered.set()
    view = r.schedule.current
    assert view is not None
    cap = Capture(path, r.clock.now()).load()
    assert cap.mismatches(view, tolerance=FPS_TOLERANCE, numbers=r.numbers,
                          slate=frozenset({remote.id})) == []
    at, frame = _first(cap, 2)
    assert abs((at - s_next.start_at).total_seconds()) <= 1.5 / 30
    assert frame == 0
    warned = [rec for rec in caplog.records if "slate" in rec.getMessage()
              and getattr(rec, "item_id", None) == remote.id]
    assert warned, "the failure is logged with the item"
    reason = str(getattr(warned[0], "reason", ""))
    assert ("no answer within 1 s" in reason) == (trouble == "slow"), reason
    assert fake.api_key not in caplog.text
    assert decode_errors(path) == ""


def test_a_session_behind_the_clock_realigns_at_the_boundary() -> None:
    """Delivery late by more than realign_after_secs (an overloaded host): the next segment
    starts at the clock, flagged as a discontinuity, instead of late; on time: at the
    scheduled boundary."""
    from fakes import FakeClock
    from ktv_streaming import ChannelSession, SessionConfig, Slates
    from ktv_streaming.profiles import StreamProfile

    clock = FakeClock()
    channel = channel_for()
    session = ChannelSession(
        SessionKey(channel.id, ProfileName.TRANSCODE), channel, MutableSchedule(),
        FileInputs(), Slates(ffmpeg_exe(), Path("/nonexistent")),
        SessionConfig(ffmpeg=ffmpeg_exe(), profile=StreamProfile()), clock)
    now = clock.now()
    assert session.next_start(now - 1 * S) == now - 1 * S  # within 1.5 s: the boundary
    assert not session._take_discontinuity(False)
    assert session.next_start(now - 2 * S) == now  # late: the clock
    assert session._take_discontinuity(False), "the jump is flagged"
    assert session.next_start(now + 3 * S) == now + 3 * S  # ahead (the lead): the boundary
