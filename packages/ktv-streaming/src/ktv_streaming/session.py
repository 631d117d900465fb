"""A channel session: one upstream pipeline that plays a channel's plan for every viewer.

The loop asks the domain's playout plan what plays from the current instant
(``segment_at``), plays it -- an ffmpeg run for an item, the looped slate for a
gap -- through the :class:`Splicer` (timestamps = the scheduled instants) and
publishes the chunks, paced: a chunk goes out once its instant is within
``lead`` seconds of the channel's clock. A new session therefore bursts its
first ``lead`` seconds and then follows real time; viewers who join later start
at the most recent keyframe (:class:`Broadcast`).

At each boundary the plan is asked again with the newest schedule, so a
regeneration takes effect at the next boundary and the item on air is never
cut. A slate checks the schedule every clip and gives way when a newer
schedule puts something on air sooner. If delivery fell behind the clock (a
slow transcode), the next segment starts at the clock, not where the last one
ended: the stream re-aligns to the guide at every boundary instead of drifting.

Failures never end the stream: an item whose source cannot be opened plays the
slate for its slot; ffmpeg dying mid-item restarts at the instant the stream
has reached (with backoff when it keeps dying).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from ktv_domain import (
    Channel,
    ChannelId,
    Clock,
    DomainError,
    MediaInput,
    MediaInputs,
    MediaItem,
    PlayoutSegment,
    ScheduleView,
    revise,
    segment_at,
)

from .errors import StreamingError
from .fanout import Broadcast
from .probe import Probes, SourceInfo
from .process import FfmpegProcess
from .profiles import ProfileName, StreamProfile
from .slate import SLATE_CLIP_SECS, Slates, SlateText
from .splicer import Chunk, Splicer, ticks_from_us, us_from_ticks

__all__ = ["ChannelSchedule", "ChannelSession", "SessionConfig", "SessionKey", "item_command",
           "item_label"]

_log = logging.getLogger("ktv.streaming")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


class ChannelSchedule(Protocol):
    """The schedule a session follows (the app's in-memory view, or stored history)."""

    async def view(self, at: datetime) -> ScheduleView | None:
        """The newest schedule around the aired instant ``at``; None when the channel is
        gone or disabled (the session ends)."""


@dataclass(frozen=True, slots=True)
class SessionKey:
    """What viewers share: one channel, one profile, one point in time."""

    channel_id: ChannelId
    profile: ProfileName
    #: Where a time-shifted session starts, as aired (None: live). Viewers asking for the
    #: same instant share the session.
    origin: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionConfig:
    ffmpeg: str
    profile: StreamProfile
    #: How far ahead of the clock output may run (the burst at start, the viewer's cushion).
    lead_secs: float = 4.0
    #: A source that produces nothing for this long is treated as failed.
    open_timeout_secs: float = 8.0
    #: Finding an item's source (a Jellyfin lookup, a probe) longer than this is a failure:
    #: the slot plays the slate instead of viewers waiting out their cushion.
    resolve_timeout_secs: float = 3.0
    #: ffmpeg silent this long mid-item is restarted.
    stall_timeout_secs: float = 10.0
    #: Quick ffmpeg deaths allowed before backing off with the slate.
    max_quick_restarts: int = 3
    #: Delivery this far behind the clock at a boundary skips ahead to the clock.
    realign_after_secs: float = 1.5
    #: A viewer whose oldest unread data is this old is disconnected.
    drop_after_secs: float = 5.0


def _us(at: datetime) -> int:
    return (at - _EPOCH) // _US


def _instant(ticks: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us_from_ticks(ticks))


async def item_command(ffmpeg: str, profile: StreamProfile, slates: Slates, channel: Channel,
                       item: MediaItem, source: MediaInput, info: SourceInfo, *,
                       offset: float, length: float) -> list[str]:
    """The ffmpeg command that plays ``item`` from ``offset`` for ``length`` seconds (an
    audio-only item gets a still picture naming it)."""
    still = None
    if not info.has_video:
        still = str(await slates.picture(profile, SlateText(channel=channel.name,
                                                           headline=item_label(item))))
    return profile.item_command(ffmpeg, source.location, dict(source.headers), info,
                                offset=offset, length=length, still_image=still,
                                service_name=channel.name)


def item_label(item: MediaItem) -> str:
    """How a programme is named on a slate: "Show S01E02 - Title", or the title."""
    if item.series_name:
        se = ""
        if item.season_number is not None and item.episode_number is not None:
            se = f" S{item.season_number:02d}E{item.episode_number:02d}"
        return f"{item.series_name}{se} - {item.title}" if item.title else item.series_name + se
    return item.title


@dataclass(slots=True)
class _Stats:
    started: float = field(default_factory=time.monotonic)
    restarts: int = 0
    item_switches: int = 0
    ffmpeg_runs: int = 0
    produced_secs: float = 0.0
    read_wait_secs: float = 0.0
    slow_warned: bool = False


class _ChannelGone(Exception):
    pass


class ChannelSession:
    """Plays one channel (see the module docstring). Run :meth:`run` as a task."""

    def __init__(self, key: SessionKey, channel: Channel, schedule: ChannelSchedule,
                 inputs: MediaInputs, slates: Slates, config: SessionConfig, clock: Clock,
                 *, probes: Probes | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.key = key
        self.channel = channel
        self._schedule = schedule
        self._inputs = inputs
        self._slates = slates
        self.config = config
        self._clock = clock
        self._probes = probes or Probes()
        #: Sleeps for seconds of the channel's clock (tests run the clock faster).
        self._sleep = sleep
        self.splicer = Splicer()
        self.broadcast = Broadcast(psi_prefix=self.splicer.psi_prefix,
                                   drop_after=config.drop_after_secs)
        self.stats = _Stats()
        self.current: PlayoutSegment | None = None
        self.current_failure: str | None = None
        self._process: FfmpegProcess | None = None
        self._log_ctx = {"channel_id": str(channel.id), "profile": key.profile.value}
        #: How far behind the wall clock the channel's clock runs (time-shifted sessions).
        self.delay = (clock.now() - key.origin if key.origin is not None else timedelta(0))

    # -- the clock ----------------------------------------------------------------------

    def aired_now(self) -> datetime:
        """The channel's clock: the wall clock, minus the delay of a time-shifted session."""
        return self._clock.now() - self.delay

    @property
    def position(self) -> datetime | None:
        """The instant the stream has reached (its newest timestamp)."""
        pos = self.splicer.position
        return None if pos is None else _instant(pos)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    # -- the loop -----------------------------------------------------------------------

    async def run(self) -> None:
        _log.info("stream session started", extra=self._log_ctx)
        reason = "stopped"
        try:
            # A time-shifted session starts exactly where it was asked to (a programme's
            # first frame for start-over); a live one at the clock.
            at = self.key.origin if self.key.origin is not None else self.aired_now()
            while True:
                view = await self._schedule.view(at)
                if view is None:
                    raise _ChannelGone
                seg = segment_at(view, at)
                self.current, self.current_failure = seg, None
                if seg.is_slate:
                    end = await self._play_gap(seg)
                else:
                    end = await self._play_item(seg)
                at = self.next_start(end)
        except _ChannelGone:
            reason = "the channel is gone or disabled"
        finally:
            await self._stop_process()
            self.broadcast.close(reason)
            _log.info("stream session stopped", extra={**self._log_ctx, "reason": reason})

    def next_start(self, end: datetime) -> datetime:
        """Where the next segment starts: the scheduled boundary, unless delivery fell
        behind the clock; then at the clock (a discontinuity, not a drift)."""
        now = self.aired_now()
        if now - end > timedelta(seconds=self.config.realign_after_secs):
            _log.warning("stream fell behind the guide; re-aligning at the boundary",
                         extra={**self._log_ctx, "behind_secs": (now - end).total_seconds()})
            self._discontinuity = True
            return now
        return end

    _discontinuity = False

    def _take_discontinuity(self, copy: bool) -> bool:
        flag = self._discontinuity or copy
        self._discontinuity = False
        return flag

    # -- publishing ---------------------------------------------------------------------

    async def _publish(self, chunks: list[Chunk]) -> None:
        for chunk in chunks:
            if chunk.last is not None:
                due = us_from_ticks(chunk.last) / 1e6 - self.config.lead_secs
                wait = due - _us(self.aired_now()) / 1e6
                if wait > 0:
                    await self._sleep(wait)
            self.broadcast.publish(chunk)
        # Never hold the event loop for a whole run (a slate loop behind the clock does
        # not wait for anything): let the rest of the server in between runs' chunks.
        await asyncio.sleep(0)

    # -- items ------------------------------------------------------------------------------

    async def _play_item(self, seg: PlayoutSegment) -> datetime:
        slot = seg.slot
        assert slot is not None
        self.stats.item_switches += 1
        _log.info("on air", extra={**self._log_ctx, "item_id": slot.item.id,
                                   "title": slot.item.title,
                                   "offset_secs": seg.offset.total_seconds()})
        start = seg.start_at
        quick_deaths = 0
        while start < seg.end_at:
            try:
                # asyncio.timeout, not wait_for (3.11 can swallow the session's cancellation)
                async with asyncio.timeout(self.config.resolve_timeout_secs):
                    source = await self._inputs.media_input(slot.item.id)
                    info = await self._probes.info(slot.item.id, source)
            except (DomainError, StreamingError, TimeoutError) as exc:
                message = (f"no answer within {self.config.resolve_timeout_secs:g} s"
                           if isinstance(exc, TimeoutError)
                           else getattr(exc, "message", type(exc).__name__))
                _log.warning("source unavailable; playing the slate for the slot",
                             extra={**self._log_ctx, "item_id": slot.item.id,
                                    "reason": message})
                return await self._play_failure(seg, start, "This programme is unavailable")
            outcome = await self._run_ffmpeg(seg, start, source, info)
            reached = self.position or start
            if outcome == "done" or reached >= seg.end_at - timedelta(milliseconds=500):
                return seg.end_at
            if outcome == "no-output":
                _log.warning("source failed before any output; playing the slate for the slot",
                             extra={**self._log_ctx, "item_id": slot.item.id,
                                    "reason": self.current_failure})
                return await self._play_failure(seg, start, "This programme is unavailable")
            if outcome == "ended-early":
                return await self._play_failure(seg, reached + _US, "")
            # ffmpeg died (or stalled) mid-item: resume where the stream has got to.
            self.stats.restarts += 1
            quick_deaths += 1
            resume = max(reached, start)
            _log.warning("ffmpeg stopped mid-item; restarting at the stream's position",
                         extra={**self._log_ctx, "item_id": slot.item.id, "outcome": outcome,
                                "offset_secs": (resume - slot.start_at).total_seconds(),
                                "restarts": self.stats.restarts})
            if quick_deaths > self.config.max_quick_restarts:
                backoff = min(60.0, 5.0 * 2 ** (quick_deaths - self.config.max_quick_restarts - 1))
                until = min(seg.end_at, resume + timedelta(seconds=backoff))
                resume = await self._loop_slate(resume, until, self._failure_text(
                    seg, "Technical difficulties"), first_discontinuity=True)
            start = resume
        return seg.end_at

    async def _run_ffmpeg(self, seg: PlayoutSegment, start: datetime, source: MediaInput,
                          info: SourceInfo) -> str:
        """One ffmpeg run from ``start``: "done", "ended-early", "died", "stalled" or
        "no-output"."""
        slot = seg.slot
        assert slot is not None
        profile = self.config.profile
        args = await item_command(self.config.ffmpeg, profile, self._slates, self.channel,
                                  slot.item, source, info,
                                  offset=(start - slot.start_at).total_seconds(),
                                  length=(seg.end_at - start).total_seconds())
        copy = profile.name is ProfileName.COPY and info.has_video and info.has_audio
        self.splicer.begin(ticks_from_us(_us(start)), ticks_from_us(_us(seg.end_at)),
                           discontinuity=self._take_discontinuity(copy))
        self.stats.ffmpeg_runs += 1
        proc = self._process = await FfmpegProcess.start(
            args, label=f"{self.channel.number}:{slot.item.id}", secrets=source.secrets,
            context=self._log_ctx)
        try:
            outcome = await self._pump(proc, start)
        finally:
            await self._stop_process()
        if outcome == "eof":
            code = proc.returncode
            if code == 0:
                return "ended-early"
            self.current_failure = proc.failure()
            return "died"
        if outcome == "no-output":
            self.current_failure = proc.failure()
        return outcome

    async def _pump(self, proc: FfmpegProcess, start: datetime) -> str:
        splicer = self.splicer
        before = max(self.position or start, start)
        while True:
            limit = (self.config.stall_timeout_secs if splicer.anchored
                     else self.config.open_timeout_secs)
            t0 = time.monotonic()
            try:
                # asyncio.timeout: on 3.11, wait_for can swallow the session's cancellation
                # when the read completes at the same moment.
                async with asyncio.timeout(limit):
                    data = await proc.read()
            except TimeoutError:
                await self._publish(splicer.flush(complete=False))
                return "stalled" if splicer.anchored else "no-output"
            self.stats.read_wait_secs += time.monotonic() - t0
            if not data:
                code = await proc.wait()
                # A run that did not end cleanly may have stopped mid-frame: drop it.
                await self._publish(splicer.flush(complete=code == 0))
                self._account(before)
                return "eof" if splicer.anchored else "no-output"
            await self._publish(splicer.feed(data))
            if splicer.done:
                await self._publish(splicer.flush())
                self._account(before)
                return "done"

    def _account(self, before: datetime) -> None:
        after = self.position
        if after is None or after <= before:
            return
        self.stats.produced_secs += (after - before).total_seconds()
        speed = self.speed
        if (self.config.profile.name is ProfileName.TRANSCODE and speed is not None
                and speed < 1.0 and self.stats.produced_secs > 30
                and not self.stats.slow_warned):
            self.stats.slow_warned = True
            _log.warning("transcoding is slower than real time: viewers will stall",
                         extra={**self._log_ctx, "speed": round(speed, 2)})

    @property
    def speed(self) -> float | None:
        """Content produced per second spent waiting for ffmpeg (> 1: faster than real time)."""
        if self.stats.read_wait_secs <= 0 or self.stats.produced_secs <= 0:
            return None
        return self.stats.produced_secs / self.stats.read_wait_secs

    async def _stop_process(self) -> None:
        proc, self._process = self._process, None
        if proc is None:
            return
        # Reaped even when the session is being cancelled: a child left unwaited outlives
        # its event loop (and kill + wait takes milliseconds).
        stopping = asyncio.ensure_future(proc.stop())
        try:
            await asyncio.shield(stopping)
        except asyncio.CancelledError:
            await stopping
            raise

    # -- the slate ----------------------------------------------------------------------

    async def _play_gap(self, seg: PlayoutSegment) -> datetime:
        """No signal until the next slot: the slate, giving way to a newer schedule."""
        at = seg.start_at
        first = True
        while at < seg.end_at:
            view = await self._schedule.view(at)
            if view is None:
                raise _ChannelGone
            if at > seg.start_at:
                seg = revise(seg, view, at)
                self.current = seg
                if seg.end_at <= at:
                    break
            until = min(seg.end_at, at + timedelta(seconds=SLATE_CLIP_SECS))
            at = await self._loop_slate(at, until, self._gap_text(seg),
                                        first_discontinuity=first, once=True)
            first = False
        return at

    async def _play_failure(self, seg: PlayoutSegment, start: datetime, headline: str) -> datetime:
        self.current_failure = headline or "the programme ended early"
        text = self._failure_text(seg, headline or "We'll be right back")
        return await self._loop_slate(start, seg.end_at, text, first_discontinuity=True)

    async def _loop_slate(self, start: datetime, end: datetime, text: SlateText, *,
                          first_discontinuity: bool, once: bool = False) -> datetime:
        """The slate from ``start`` to ``end`` (just one clip when ``once``)."""
        clip = await self._slates.clip(self.config.profile, text)
        at = start
        copy = self.config.profile.name is ProfileName.COPY
        while at < end:
            until = min(end, at + timedelta(seconds=SLATE_CLIP_SECS))
            flag = self._take_discontinuity(copy and first_discontinuity)
            self.splicer.begin(ticks_from_us(_us(at)), ticks_from_us(_us(until)),
                               discontinuity=flag)
            first_discontinuity = False
            await self._publish(self.splicer.feed(clip))
            await self._publish(self.splicer.flush())
            at = until
            if once:
                break
        return at

    def _local(self, at: datetime) -> datetime:
        return at.astimezone(self.channel.zone)

    def _when(self, at: datetime, ref: datetime) -> str:
        local, today = self._local(at), self._local(ref)
        if local.date() == today.date():
            return local.strftime("%H:%M")
        return local.strftime("%a %H:%M")

    def _gap_text(self, seg: PlayoutSegment) -> SlateText:
        nxt = seg.next_slot
        if nxt is None:
            return SlateText(channel=self.channel.name, headline="No programme scheduled",
                             lines=(f"Channel {self.channel.number}",))
        return SlateText(channel=self.channel.name,
                         headline=f"Back at {self._when(nxt.start_at, seg.start_at)}",
                         lines=(f"Next: {item_label(nxt.item)}",))

    def _failure_text(self, seg: PlayoutSegment, headline: str) -> SlateText:
        assert seg.slot is not None
        return SlateText(channel=self.channel.name, headline=headline,
                         lines=(item_label(seg.slot.item),
                                f"Until {self._when(seg.end_at, seg.start_at)}"))

    # -- stopping ---------------------------------------------------------------------------

    async def close(self) -> None:
        await self._stop_process()
        with contextlib.suppress(Exception):
            self.broadcast.close("stopped")
