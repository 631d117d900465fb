"""Generated schedules: slots, generations, cooldown records, continuity."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from .ids import BlockId, ChannelId, MediaItemId, UserId
from .media import MediaItem

__all__ = [
    "MAX_SLOT_LENGTH",
    "BlockContinuity",
    "GeneratedSchedule",
    "GenerationSummary",
    "ScheduleHead",
    "ScheduleRecord",
    "ScheduleWarning",
    "ScheduledSlot",
    "WarningCode",
    "generation_uuid",
    "slot_uuid",
]

#: No slot outlasts its occurrence, and no occurrence lasts more than a day:
#: stores bound their range scans with it.
MAX_SLOT_LENGTH = timedelta(days=1)

_NS = uuid.UUID("6f1d2a4e-3c1b-4e55-9a57-2b0c4d8e9f10")


def generation_uuid(channel_id: ChannelId, generation: int) -> uuid.UUID:
    """Deterministic id of a channel's n-th generation."""
    return uuid.uuid5(_NS, f"gen:{channel_id}:{generation}")


def slot_uuid(channel_id: ChannelId, generation: int, start_at: datetime) -> uuid.UUID:
    """Deterministic id of a slot (a channel never has two slots starting together)."""
    return uuid.uuid5(_NS, f"slot:{channel_id}:{generation}:{start_at.isoformat()}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledSlot:
    """One item placed at concrete UTC times (``end_at = start_at + duration``)."""

    id: uuid.UUID
    channel_id: ChannelId
    block_id: BlockId
    generation: int
    start_at: datetime
    end_at: datetime
    item: MediaItem

    @property
    def duration(self) -> timedelta:
        return self.end_at - self.start_at


class WarningCode:
    EMPTY_POOL = "empty_pool"
    UNKNOWN_ITEMS = "unknown_items"
    NOTHING_FITS = "nothing_fits"
    MEDIA_SOURCE_UNAVAILABLE = "media_source_unavailable"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleWarning:
    """Something a channel editor should know about a generation."""

    code: str
    message: str
    block_id: BlockId | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GeneratedSchedule:
    """One run of the engine for a channel: the slots it added, in start order.

    It decides the channel's programme on ``[valid_from, valid_until)``; slots
    aired before ``valid_from`` belong to earlier generations.
    """

    id: uuid.UUID
    channel_id: ChannelId
    generation: int
    valid_from: datetime
    valid_until: datetime
    created_at: datetime
    slots: tuple[ScheduledSlot, ...]
    warnings: tuple[ScheduleWarning, ...] = ()

    def records(self) -> list[ScheduleRecord]:
        """The cooldown records this generation writes."""
        return [ScheduleRecord(channel_id=self.channel_id, item_id=s.item.id,
                               scheduled_at=s.start_at, generation=self.generation)
                for s in self.slots]


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerationSummary:
    """What the engine needs to know about the newest stored generation."""

    generation: int
    valid_from: datetime
    valid_until: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleHead:
    """A channel's owner and newest generation number (0 before the first one)."""

    owner_id: UserId
    generation: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleRecord:
    """An item was scheduled on a channel at a time, by a generation (drives cooldowns)."""

    channel_id: ChannelId
    item_id: MediaItemId
    scheduled_at: datetime
    generation: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockContinuity:
    """Where a block stands: the last item it aired (sequential blocks resume after it)."""

    block_id: BlockId
    last_item: MediaItem
    last_start_at: datetime

    @classmethod
    def from_slot(cls, slot: ScheduledSlot) -> BlockContinuity:
        return cls(block_id=slot.block_id, last_item=slot.item, last_start_at=slot.start_at)
