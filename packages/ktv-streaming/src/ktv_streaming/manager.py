"""The sessions of one process: at most one per (channel, profile, origin), shared by viewers.

``watch`` joins the running session or starts one; ``STREAM_MAX_SESSIONS``
bounds how many pipelines run (an idle one is stopped to make room; otherwise
:class:`SessionLimitReached`). A janitor stops a session ``idle_secs`` after
its last viewer left and nothing else (an HLS fetch) touched it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ktv_domain import (
    Channel,
    ChannelId,
    Clock,
    MediaInputs,
    MediaItemId,
    ScheduledSlot,
    UserId,
)

from .errors import SessionLimitReached
from .fanout import Viewer
from .hls import HlsSegmenter
from .probe import Probes
from .process import run_to_end
from .profiles import KEYFRAME_SECS, ProfileName, StreamProfile
from .session import ChannelSchedule, ChannelSession, SessionConfig, SessionKey, item_command
from .slate import Slates
from .splicer import ticks_from_us
from .vod import splice_part, vod_parts

__all__ = ["SessionInfo", "StreamManager", "StreamSettings"]

_log = logging.getLogger("ktv.streaming")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Segments of a copied stream follow the source's keyframes: at most this long.
_COPY_TARGET_SECS = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamSettings:
    ffmpeg: str
    default_profile: ProfileName = ProfileName.TRANSCODE
    height: int = 720
    idle_secs: float = 15.0
    max_sessions: int = 4
    lead_secs: float = 4.0
    #: A viewer that has not read for this long is disconnected.
    drop_after_secs: float = 5.0
    #: Finding an item's source longer than this plays the slate for its slot.
    resolve_timeout_secs: float = 3.0
    #: Seconds of segments a live HLS playlist lists (older ones are deleted).
    hls_window_secs: float = 180.0
    #: The same for a time-shifted session (whoever joins later starts at its start).
    hls_shift_window_secs: float = 7200.0

    def profile(self, name: ProfileName | None) -> StreamProfile:
        return StreamProfile(name=name or self.default_profile, height=self.height)


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionInfo:
    """A running session, as ``GET /streams`` lists it."""

    channel_id: ChannelId
    owner_id: UserId
    channel_number: str
    channel_name: str
    profile: str
    delay_secs: float
    viewers: int
    on_air: str  # "item" | "slate"
    item_id: MediaItemId | None
    title: str | None
    offset_secs: float | None
    failure: str | None
    uptime_secs: float
    restarts: int
    speed: float | None
    bytes_out: int


@dataclass(slots=True)
class _Running:
    session: ChannelSession
    task: asyncio.Task[None]
    touched: float
    #: Names the session in its HLS segment URLs (a new session, new URLs).
    id: str = field(default_factory=lambda: secrets.token_hex(8))
    hls: HlsSegmenter | None = None

    def close_hls(self) -> None:
        if self.hls is not None:
            self.hls.close()


class StreamManager:
    def __init__(self, settings: StreamSettings, clock: Clock, inputs: MediaInputs, *,
                 workdir: Path | None = None,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.settings = settings
        self._clock = clock
        self._inputs = inputs
        self._monotonic = monotonic
        self._sleep = sleep
        self._own_dir = workdir is None
        self._dir = workdir or Path(tempfile.mkdtemp(prefix="ktv-streaming-"))
        self._slates = Slates(settings.ffmpeg, self._dir)
        self._probes = Probes()
        #: Programme (VOD) segments transcoding at once: they compete with live sessions.
        self._vod = asyncio.Semaphore(2)
        self._running: dict[SessionKey, _Running] = {}
        self._janitor: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.restarts_total = 0
        self.started_total = 0
        self._bytes_out_done = 0

    # -- watching -----------------------------------------------------------------------

    async def watch(self, key: SessionKey, channel: Channel,
                    schedule: ChannelSchedule) -> Viewer:
        """A viewer of the channel's session (started if needed); SessionLimitReached when
        every slot is busy."""
        async with self._lock:
            running = self._running.get(key)
            if running is None or running.task.done():
                running = await self._start(key, channel, schedule)
            running.touched = self._monotonic()
            session = running.session
            return session.broadcast.join(ticks_from_us(
                (session.aired_now() - _EPOCH) // timedelta(microseconds=1)))

    async def hls(self, key: SessionKey, channel: Channel,
                  schedule: ChannelSchedule) -> tuple[str, HlsSegmenter]:
        """The session's HLS segmenter (session and segmenter started if needed) and the
        session's id for segment URLs; SessionLimitReached when every slot is busy."""
        async with self._lock:
            running = self._running.get(key)
            if running is None or running.task.done():
                running = await self._start(key, channel, schedule)
            running.touched = self._monotonic()
            if running.hls is None:
                session = running.session
                transcode = session.config.profile.name is ProfileName.TRANSCODE
                segmenter = HlsSegmenter(
                    self._dir / "hls" / running.id, psi_prefix=session.splicer.psi_prefix,
                    target=KEYFRAME_SECS if transcode else _COPY_TARGET_SECS,
                    window_secs=(self.settings.hls_window_secs if key.origin is None
                                 else self.settings.hls_shift_window_secs),
                    keyframes_every=KEYFRAME_SECS if transcode else None,
                    start_at_beginning=key.origin is not None)
                for chunk in session.broadcast.recent_from(ticks_from_us(
                        (session.aired_now() - _EPOCH) // timedelta(microseconds=1))):
                    segmenter(chunk)
                session.broadcast.listen(segmenter)
                running.hls = segmenter
            return running.id, running.hls

    async def vod_segment(self, channel: Channel, slot: ScheduledSlot, index: int) -> bytes:
        """Segment ``index`` of a programme's VOD playlist (``vod_parts``), transcoded now.

        NotFound (domain) when the item's source is gone, IndexError for a bad index,
        StreamingError when ffmpeg fails."""
        part = vod_parts(slot)[index]
        source = await self._inputs.media_input(slot.item.id)
        info = await self._probes.info(slot.item.id, source)
        profile = self.settings.profile(ProfileName.TRANSCODE)
        args = await item_command(self.settings.ffmpeg, profile, self._slates, channel,
                                  slot.item, source, info, offset=part.offset,
                                  length=part.length)
        async with self._vod:
            ts = await run_to_end(args, what="programme segment", secrets=source.secrets)
        return splice_part(ts, part)

    def by_id(self, session_id: str) -> tuple[SessionKey, ChannelSession, HlsSegmenter] | None:
        """A running session with HLS, by the id in its segment URLs (touched: in use)."""
        for key, running in self._running.items():
            if running.id == session_id and running.hls is not None and not running.task.done():
                running.touched = self._monotonic()
                return key, running.session, running.hls
        return None

    def session(self, key: SessionKey) -> ChannelSession | None:
        running = self._running.get(key)
        return running.session if running is not None and not running.task.done() else None

    def touch(self, key: SessionKey) -> None:
        """Note activity that is not a TS viewer (an HLS fetch): keeps the session alive."""
        running = self._running.get(key)
        if running is not None:
            running.touched = self._monotonic()

    async def _start(self, key: SessionKey, channel: Channel,
                     schedule: ChannelSchedule) -> _Running:
        live = {k: r for k, r in self._running.items() if not r.task.done()}
        if len(live) >= self.settings.max_sessions:
            idle = sorted((r.touched, k) for k, r in live.items()
                          if r.session.broadcast.viewers == 0)
            if not idle:
                raise SessionLimitReached(self.settings.max_sessions)
            await self._stop_key(idle[0][1], "made room for another channel")
        config = SessionConfig(ffmpeg=self.settings.ffmpeg,
                               profile=self.settings.profile(key.profile),
                               lead_secs=self.settings.lead_secs,
                               drop_after_secs=self.settings.drop_after_secs,
                               resolve_timeout_secs=self.settings.resolve_timeout_secs)
        session = ChannelSession(key, channel, schedule, self._inputs, self._slates, config,
                                 self._clock, probes=self._probes, sleep=self._sleep)
        task = asyncio.create_task(session.run(), name=f"stream-{channel.id}")
        running = _Running(session=session, task=task, touched=self._monotonic())
        self._running[key] = running
        self.started_total += 1
        task.add_done_callback(functools.partial(self._finished, key))
        if self._janitor is None or self._janitor.done():
            self._janitor = asyncio.create_task(self._sweep(), name="stream-janitor")
        return running

    def _finished(self, key: SessionKey, task: asyncio.Task[None]) -> None:
        running = self._running.get(key)
        if running is not None and running.task is task:
            del self._running[key]
            running.close_hls()
            self.restarts_total += running.session.stats.restarts
            self._bytes_out_done += running.session.broadcast.bytes_out
        if not task.cancelled() and task.exception() is not None:
            _log.error("stream session crashed", exc_info=task.exception(),
                       extra={"channel_id": str(key.channel_id)})

    async def _sweep(self) -> None:
        while self._running:
            await asyncio.sleep(1.0)
            now = self._monotonic()
            for key, running in list(self._running.items()):
                session = running.session
                if session.broadcast.viewers:
                    running.touched = now
                elif now - running.touched >= self.settings.idle_secs:
                    await self._stop_key(key, "no viewers")

    # -- operating ----------------------------------------------------------------------

    def sessions(self, owner: UserId | None = None) -> list[SessionInfo]:
        out = []
        now = self._monotonic()
        for key, running in self._running.items():
            s = running.session
            if owner is not None and s.channel.owner_id != owner:
                continue
            seg = s.current
            slot = seg.slot if seg is not None else None
            offset = ((s.aired_now() - slot.start_at).total_seconds()
                      if slot is not None else None)
            out.append(SessionInfo(
                channel_id=s.channel.id, owner_id=s.channel.owner_id,
                channel_number=s.channel.number, channel_name=s.channel.name,
                profile=key.profile.value, delay_secs=s.delay.total_seconds(),
                viewers=s.broadcast.viewers, on_air="slate" if slot is None else "item",
                item_id=slot.item.id if slot is not None else None,
                title=slot.item.title if slot is not None else None,
                offset_secs=offset, failure=s.current_failure,
                uptime_secs=now - s.stats.started, restarts=s.stats.restarts,
                speed=s.speed, bytes_out=s.broadcast.bytes_out))
        return sorted(out, key=lambda i: (i.channel_number, i.profile, i.delay_secs))

    @property
    def viewers(self) -> int:
        return sum(r.session.broadcast.viewers for r in self._running.values())

    @property
    def bytes_out_total(self) -> int:
        """Bytes sent to viewers by every session of this process, ended ones included."""
        return self._bytes_out_done + sum(r.session.broadcast.bytes_out
                                          for r in self._running.values())

    def __len__(self) -> int:
        return len(self._running)

    async def stop(self, channel_id: ChannelId) -> int:
        """Stop every session of a channel; how many there were."""
        keys = [k for k in self._running if k.channel_id == channel_id]
        for key in keys:
            await self._stop_key(key, "stopped by an operator")
        return len(keys)

    async def _stop_key(self, key: SessionKey, reason: str) -> None:
        running = self._running.pop(key, None)
        if running is None:
            return
        _log.info("stopping stream session", extra={"channel_id": str(key.channel_id),
                                                    "reason": reason})
        running.session.broadcast.close(reason)
        while not running.task.done():  # again if a cancellation was ever swallowed
            running.task.cancel()
            await asyncio.wait([running.task], timeout=2.0)
        running.close_hls()
        self.restarts_total += running.session.stats.restarts
        self._bytes_out_done += running.session.broadcast.bytes_out

    async def close(self) -> None:
        for key in list(self._running):
            await self._stop_key(key, "shutting down")
        if self._janitor is not None:
            self._janitor.cancel()
            await asyncio.wait([self._janitor])
        if self._own_dir:
            shutil.rmtree(self._dir, ignore_errors=True)

