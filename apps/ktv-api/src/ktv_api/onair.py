"""What is on air: an in-memory view of every channel's schedule for the hot reads.

``/now``, ``/epg``, ``GET /schedule`` and stream routing answer from here
(bisect on start times, no database round trip). An entry is loaded on first
use, replaced when this process stores a generation (:meth:`OnAir.refresh`),
and kept in step with other replicas by :meth:`OnAir.sync`, a cheap poll of
every channel's owner and newest generation number that the app runs every
few seconds. Windows that start before an entry's coverage fall back to the
database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog

from ktv_domain import (
    MAX_SLOT_LENGTH,
    ChannelId,
    Clock,
    NotFound,
    ScheduledSlot,
    ScheduleView,
    UnitOfWork,
    UserId,
)

__all__ = ["Coverage", "OnAir"]

_log = structlog.get_logger("ktv.onair")


@dataclass(frozen=True, slots=True, kw_only=True)
class Coverage:
    """One channel as the hot path sees it."""

    owner_id: UserId
    generation: int  # 0: never generated
    #: The channel's catch-up window in days (for the guide's replay links).
    catchup_days: int
    valid_until: datetime | None
    #: Slots ending after this instant are all in ``view``.
    covered_from: datetime
    view: ScheduleView

    def window(self, start: datetime, until: datetime) -> list[ScheduledSlot] | None:
        """The slots overlapping the window, or None when it starts before the coverage."""
        if start < self.covered_from:
            return None
        return self.view.window(start, until)


class OnAir:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
        self._entries: dict[ChannelId, Coverage] = {}
        self._locks: dict[ChannelId, asyncio.Lock] = {}
        self._listeners: list[Callable[[ChannelId], None]] = []

    def __len__(self) -> int:
        return len(self._entries)

    async def coverage(self, owner: UserId, channel_id: ChannelId) -> Coverage:
        """The channel's coverage; NotFound unless ``owner`` owns it."""
        entry = self._entries.get(channel_id)
        if entry is None:
            entry = await self._load(channel_id)
        if entry is None or entry.owner_id != owner:
            raise NotFound("channel not found")
        return entry

    def on_change(self, listener: Callable[[ChannelId], None]) -> None:
        """Call ``listener(channel_id)`` whenever a channel's entry is replaced or dropped
        (a generation stored here, one seen through :meth:`sync`, a deleted channel), so
        caches built on an entry (the XMLTV guide's) let go of it."""
        self._listeners.append(listener)

    def _changed(self, channel_id: ChannelId) -> None:
        for listener in self._listeners:
            listener(channel_id)

    async def refresh(self, channel_id: ChannelId) -> None:
        """Reload a channel after this process stored a generation for it."""
        await self._load(channel_id)

    def forget(self, channel_id: ChannelId) -> None:
        self._entries.pop(channel_id, None)
        self._locks.pop(channel_id, None)
        self._changed(channel_id)

    async def sync(self) -> int:
        """Catch up with generations other processes stored; how many entries changed."""
        async with self._uow() as uow:
            heads = await uow.schedules.heads()
        changed = 0
        for channel_id in list(self._entries):
            head = heads.get(channel_id)
            if head is None:
                self.forget(channel_id)
                changed += 1
            elif head.generation != self._entries[channel_id].generation:
                await self._load(channel_id)
                changed += 1
        return changed

    async def _load(self, channel_id: ChannelId) -> Coverage | None:
        # One load per channel at a time: a burst of misses shares one query.
        async with self._locks.setdefault(channel_id, asyncio.Lock()):
            return await self._read(channel_id)

    async def _read(self, channel_id: ChannelId) -> Coverage | None:
        now = self._clock.now()
        covered_from = now - MAX_SLOT_LENGTH
        async with self._uow() as uow:
            channel = await uow.channels.get(channel_id)
            if channel is None:
                self.forget(channel_id)
                return None
            latest = await uow.schedules.latest(channel_id)
            slots = (await uow.schedules.slots_between(channel_id, covered_from,
                                                       latest.valid_until)
                     if latest is not None else [])
        entry = Coverage(owner_id=channel.owner_id, catchup_days=channel.catchup_days,
                         generation=latest.generation if latest else 0,
                         valid_until=latest.valid_until if latest else None,
                         covered_from=covered_from,
                         view=ScheduleView(slots))
        previous = self._entries.get(channel_id)
        self._entries[channel_id] = entry
        if previous is not None:
            self._changed(channel_id)
        return entry
