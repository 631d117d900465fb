"""Wiring of the channel streams: the stream manager, and what its sessions read.

Kept out of ``create_app``: :func:`build_streams` makes the
:class:`ktv_streaming.StreamManager` from the settings, gives its sessions the
in-memory schedule (:class:`OnAir`) and the media source's inputs, and
:class:`Streams` answers the routes' questions (which channel is number N of
this user? which profile does it use?).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

import imageio_ffmpeg
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ktv_domain import (
    MAX_SLOT_LENGTH,
    Channel,
    ChannelId,
    Clock,
    Gone,
    MediaInput,
    MediaInputs,
    MediaItem,
    MediaItemId,
    MediaSourceNotConfigured,
    NotFound,
    ScheduledSlot,
    ScheduleView,
    UnitOfWork,
    UserId,
    check_replay_instant,
    check_replay_slot,
)
from ktv_streaming import (
    ChannelSchedule,
    HlsSegmenter,
    ProfileName,
    SessionKey,
    StreamManager,
    StreamSettings,
    Viewer,
)

from .onair import OnAir
from .settings import Settings

__all__ = ["HasItems", "HistorySchedule", "LiveSchedule", "Streams", "StreamsCollector",
           "build_streams", "ffmpeg_path"]

#: How often a running session re-reads its channel (deleted? disabled?).
_CHANNEL_CHECK_SECS = 10.0
_US = timedelta(microseconds=1)


def ffmpeg_path(settings: Settings) -> str:
    """``FFMPEG_PATH``, else the binary bundled by imageio-ffmpeg."""
    return settings.ffmpeg_path or imageio_ffmpeg.get_ffmpeg_exe()


class _NoInputs:
    async def media_input(self, item_id: MediaItemId) -> MediaInput:
        raise MediaSourceNotConfigured()


@dataclass(slots=True)
class _ChannelWatch:
    """Is the channel still there, its owner's and enabled? (re-read every few seconds)"""

    uow: Callable[[], UnitOfWork]
    channel: Channel
    monotonic: Callable[[], float] = time.monotonic
    #: The route just read ``channel``: the first re-read is due a period later.
    _checked: float = field(init=False)

    def __post_init__(self) -> None:
        self._checked = self.monotonic()

    async def alive(self) -> bool:
        now = self.monotonic()
        if now - self._checked < _CHANNEL_CHECK_SECS:
            return True
        async with self.uow() as uow:
            current = await uow.channels.get(self.channel.id)
        if current is None or not current.enabled or current.owner_id != self.channel.owner_id:
            return False
        self._checked = now
        return True


class LiveSchedule:
    """A live session's schedule: the channel's in-memory view (:class:`OnAir`)."""

    def __init__(self, onair: OnAir, uow: Callable[[], UnitOfWork], channel: Channel) -> None:
        self._onair = onair
        self._channel = channel
        self._watch = _ChannelWatch(uow, channel)

    async def view(self, at: datetime) -> ScheduleView | None:
        if not await self._watch.alive():
            return None
        try:
            coverage = await self._onair.coverage(self._channel.owner_id, self._channel.id)
        except NotFound:
            return None
        return coverage.view


class HistorySchedule:
    """A time-shifted session's schedule: the stored slots around the aired instant
    (history and future alike), read from the database a stretch at a time."""

    #: What one read covers around the instant asked for.
    BEFORE = MAX_SLOT_LENGTH
    AFTER = timedelta(hours=12)

    def __init__(self, uow: Callable[[], UnitOfWork], channel: Channel) -> None:
        self._uow = uow
        self._channel = channel
        self._watch = _ChannelWatch(uow, channel)
        self._view: ScheduleView | None = None
        self._covers: tuple[datetime, datetime] | None = None
        self._generation = -1

    async def view(self, at: datetime) -> ScheduleView | None:
        if not await self._watch.alive():
            return None
        async with self._uow() as uow:
            latest = await uow.schedules.latest(self._channel.id)
            generation = latest.generation if latest is not None else 0
            covers = self._covers
            if (self._view is None or covers is None or generation != self._generation
                    or not covers[0] <= at <= covers[1] - self.AFTER / 2):
                start, until = at - self.BEFORE, at + self.AFTER
                slots = await uow.schedules.slots_between(self._channel.id, start, until)
                self._view = ScheduleView(slots)
                self._covers = (start, until)
                self._generation = generation
        return self._view


class Streams:
    """The app's side of the channel streams."""

    def __init__(self, manager: StreamManager, onair: OnAir, uow: Callable[[], UnitOfWork],
                 clock: Clock, media: HasItems | None) -> None:
        self.manager = manager
        self._onair = onair
        self._uow = uow
        self._clock = clock
        self._media = media

    def profile_of(self, channel: Channel) -> ProfileName:
        return ProfileName(channel.stream_profile or self.manager.settings.default_profile)

    async def channel_by_number(self, owner: UserId, number: str) -> Channel:
        """The owner's enabled channel with this number; NotFound otherwise."""
        async with self._uow() as uow:
            channels = await uow.channels.list_by_owner(owner)
        for channel in channels:
            if channel.number == number and channel.enabled:
                return channel
        raise NotFound("channel not found")

    async def channel_by_link(self, channel_id: ChannelId) -> Channel:
        """The enabled channel a verified signed link names (whoever owns it)."""
        async with self._uow() as uow:
            channel = await uow.channels.get(channel_id)
        if channel is None or not channel.enabled:
            raise NotFound("channel not found")
        return channel

    async def channel_by_id(self, owner: UserId, channel_id: ChannelId) -> Channel:
        """The owner's enabled channel; NotFound otherwise (never reveals another's)."""
        async with self._uow() as uow:
            channel = await uow.channels.get(channel_id)
        if channel is None or channel.owner_id != owner or not channel.enabled:
            raise NotFound("channel not found")
        return channel

    def _session(self, channel: Channel,
                 origin: datetime | None) -> tuple[SessionKey, ChannelSchedule]:
        key = SessionKey(channel.id, self.profile_of(channel), origin)
        schedule: ChannelSchedule = (LiveSchedule(self._onair, self._uow, channel)
                                     if origin is None else HistorySchedule(self._uow, channel))
        return key, schedule

    async def watch(self, channel: Channel, origin: datetime | None = None) -> Viewer:
        """A viewer of the channel's session, live or from ``origin`` as it aired
        (SessionLimitReached when full)."""
        key, schedule = self._session(channel, origin)
        return await self.manager.watch(key, channel, schedule)

    async def hls(self, channel: Channel,
                  origin: datetime | None = None) -> tuple[str, HlsSegmenter]:
        """The HLS side of the same session (started if needed): its id and segmenter."""
        key, schedule = self._session(channel, origin)
        return await self.manager.hls(key, channel, schedule)

    async def replay_origin(self, channel: Channel, utc: int) -> datetime:
        """The aired instant ``?utc=`` names, checked against the catch-up window
        (NotFound, Gone) and the library (Gone when its item left)."""
        try:
            at = datetime.fromtimestamp(utc, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise NotFound("no such instant") from exc
        check_replay_instant(channel, at, self._clock.now())
        async with self._uow() as uow:
            on_air = await uow.schedules.slots_between(channel.id, at, at + _US)
        for slot in on_air:
            await self.check_item(slot)
        return at

    async def start_over_origin(self, channel: Channel) -> ScheduledSlot:
        """The programme on air, whose start a start-over session replays from."""
        now = self._clock.now()
        try:
            coverage = await self._onair.coverage(channel.owner_id, channel.id)
        except NotFound:
            raise NotFound("channel not found") from None
        playing = coverage.view.now(now)
        if playing is None:
            raise NotFound("nothing is on air to start over (the channel is in a gap)")
        check_replay_slot(channel, playing.slot, now)
        return playing.slot

    async def start_over_slot(self, channel: Channel, slot_id: uuid.UUID) -> ScheduledSlot:
        """A programme of the channel that has started (on air or past), replayed from its
        start: what a pinned start-over playlist (``?slot=``) keeps playing after the
        programme on air has changed."""
        async with self._uow() as uow:
            slot = await uow.schedules.slot(channel.id, slot_id)
        if slot is None:
            raise NotFound("no such programme on this channel")
        now = self._clock.now()
        if slot.start_at > now:
            raise NotFound("this programme has not started yet")
        check_replay_slot(channel, slot, now)
        await self.check_item(slot)
        return slot

    async def programme(self, channel: Channel, slot_id: uuid.UUID) -> ScheduledSlot:
        """A programme that has ended and can be replayed whole (VOD)."""
        async with self._uow() as uow:
            slot = await uow.schedules.slot(channel.id, slot_id)
        if slot is None:
            raise NotFound("no such programme on this channel")
        now = self._clock.now()
        check_replay_slot(channel, slot, now)
        if slot.end_at > now:
            raise NotFound("this programme is still on air: use start-over")
        await self.check_item(slot)
        return slot

    async def vod_target(self, channel_id: ChannelId,
                         slot_id: uuid.UUID) -> tuple[Channel, ScheduledSlot]:
        """The channel and programme a signed VOD segment link names (NotFound if gone)."""
        async with self._uow() as uow:
            channel = await uow.channels.get(channel_id)
            slot = await uow.schedules.slot(channel_id, slot_id) if channel else None
        if channel is None or slot is None:
            raise NotFound("no such programme")
        return channel, slot

    async def check_item(self, slot: ScheduledSlot) -> None:
        """Gone when the slot's item is no longer in the library."""
        if self._media is None:
            return
        if not await self._media.get_items([slot.item.id]):
            raise Gone(f"{slot.item.title!r} is no longer in the library")

    async def close(self) -> None:
        await self.manager.close()


class StreamsCollector(Collector):
    """Session figures read at scrape time (no bookkeeping on the stream path), from
    whichever :class:`Streams` the app's lifespan has built (none before it starts)."""

    def __init__(self, current: Callable[[], Streams | None]) -> None:
        self._current = current

    def collect(self) -> Iterator[Metric]:
        streams = self._current()
        if streams is None:
            return
        m = streams.manager
        sessions = GaugeMetricFamily("ktv_stream_sessions", "Channel stream pipelines running")
        sessions.add_metric([], len(m))
        viewers = GaugeMetricFamily("ktv_stream_viewers", "Viewers of channel streams")
        viewers.add_metric([], m.viewers)
        restarts = CounterMetricFamily("ktv_stream_ffmpeg_restarts",
                                       "ffmpeg restarts inside running sessions")
        restarts.add_metric([], m.restarts_total + sum(s.restarts for s in m.sessions()))
        started = CounterMetricFamily("ktv_stream_sessions_started", "Sessions started")
        started.add_metric([], m.started_total)
        out = CounterMetricFamily("ktv_stream_bytes_out", "Bytes sent to stream viewers")
        out.add_metric([], m.bytes_out_total)
        yield from (sessions, viewers, restarts, started, out)


def build_streams(settings: Settings, clock: Clock, onair: OnAir,
                  uow: Callable[[], UnitOfWork], media: object | None, *,
                  sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> Streams:
    inputs: MediaInputs = media if isinstance(media, MediaInputs) else _NoInputs()
    manager = StreamManager(
        StreamSettings(ffmpeg=ffmpeg_path(settings),
                       default_profile=ProfileName(settings.stream_profile),
                       height=settings.stream_height, idle_secs=settings.stream_idle_secs,
                       max_sessions=settings.stream_max_sessions,
                       hls_window_secs=settings.stream_hls_window_secs),
        clock, inputs, sleep=sleep)
    return Streams(manager, onair, uow, clock, media if isinstance(media, HasItems) else None)


@runtime_checkable
class HasItems(Protocol):
    """What the catch-up checks need of a media source: is this item still there?"""

    async def get_items(self, ids: Sequence[MediaItemId]) -> Sequence[MediaItem]: ...
