"""Wiring of the channel streams: the stream manager, and what its sessions read.

Kept out of ``create_app``: :func:`build_streams` makes the
:class:`ktv_streaming.StreamManager` from the settings, gives its sessions the
in-memory schedule (:class:`OnAir`) and the media source's inputs, and
:class:`Streams` answers the routes' questions (which channel is number N of
this user? which profile does it use?).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import imageio_ffmpeg
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ktv_domain import (
    Channel,
    ChannelId,
    Clock,
    MediaInput,
    MediaInputs,
    MediaItemId,
    MediaSourceNotConfigured,
    NotFound,
    ScheduleView,
    UnitOfWork,
    UserId,
)
from ktv_streaming import ProfileName, SessionKey, StreamManager, StreamSettings, Viewer

from .onair import OnAir
from .settings import Settings

__all__ = ["LiveSchedule", "Streams", "StreamsCollector", "build_streams", "ffmpeg_path"]

#: How often a running session re-reads its channel (deleted? disabled?).
_CHANNEL_CHECK_SECS = 10.0


def ffmpeg_path(settings: Settings) -> str:
    """``FFMPEG_PATH``, else the binary bundled by imageio-ffmpeg."""
    return settings.ffmpeg_path or imageio_ffmpeg.get_ffmpeg_exe()


class _NoInputs:
    async def media_input(self, item_id: MediaItemId) -> MediaInput:
        raise MediaSourceNotConfigured()


@dataclass(slots=True)
class LiveSchedule:
    """A live session's schedule: the channel's in-memory view, while the channel exists,
    belongs to its owner and is enabled (re-checked every ``_CHANNEL_CHECK_SECS``)."""

    onair: OnAir
    uow: Callable[[], UnitOfWork]
    channel: Channel
    monotonic: Callable[[], float] = time.monotonic
    _checked: float = field(default=0.0)

    async def view(self, at: datetime) -> ScheduleView | None:
        now = self.monotonic()
        if now - self._checked >= _CHANNEL_CHECK_SECS:
            async with self.uow() as uow:
                current = await uow.channels.get(self.channel.id)
            if current is None or not current.enabled or current.owner_id != self.channel.owner_id:
                return None
            self._checked = now
        try:
            coverage = await self.onair.coverage(self.channel.owner_id, self.channel.id)
        except NotFound:
            return None
        return coverage.view


class Streams:
    """The app's side of the channel streams."""

    def __init__(self, manager: StreamManager, onair: OnAir,
                 uow: Callable[[], UnitOfWork]) -> None:
        self.manager = manager
        self._onair = onair
        self._uow = uow

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

    async def channel_by_id(self, owner: UserId, channel_id: ChannelId) -> Channel:
        """The owner's enabled channel; NotFound otherwise (never reveals another's)."""
        async with self._uow() as uow:
            channel = await uow.channels.get(channel_id)
        if channel is None or channel.owner_id != owner or not channel.enabled:
            raise NotFound("channel not found")
        return channel

    async def watch(self, channel: Channel) -> Viewer:
        """A viewer of the channel's live session (SessionLimitReached when full)."""
        key = SessionKey(channel.id, self.profile_of(channel))
        return await self.manager.watch(key, channel,
                                        LiveSchedule(self._onair, self._uow, channel))

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
                  uow: Callable[[], UnitOfWork], media: object | None) -> Streams:
    inputs: MediaInputs = media if isinstance(media, MediaInputs) else _NoInputs()
    manager = StreamManager(
        StreamSettings(ffmpeg=ffmpeg_path(settings),
                       default_profile=ProfileName(settings.stream_profile),
                       height=settings.stream_height, idle_secs=settings.stream_idle_secs,
                       max_sessions=settings.stream_max_sessions),
        clock, inputs)
    return Streams(manager, onair, uow)
