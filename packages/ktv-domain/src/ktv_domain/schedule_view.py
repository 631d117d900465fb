"""Reading a schedule: what is on now, and the EPG window (bisect on start times)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .schedule import ScheduledSlot

__all__ = ["NowPlaying", "ScheduleView"]


@dataclass(frozen=True, slots=True, kw_only=True)
class NowPlaying:
    slot: ScheduledSlot
    offset: timedelta
    next: ScheduledSlot | None

    @property
    def offset_secs(self) -> float:
        return self.offset.total_seconds()


class ScheduleView:
    """An immutable, sorted view of a channel's slots that answers reads in O(log n).

    Slots never overlap, so sorting by start also sorts by end.
    """

    __slots__ = ("_ends", "_slots", "_starts", "generation", "valid_until")

    def __init__(self, slots: Iterable[ScheduledSlot], *, generation: int | None = None,
                 valid_until: datetime | None = None) -> None:
        self._slots = sorted(slots, key=lambda s: s.start_at)
        self._starts = [s.start_at for s in self._slots]
        self._ends = [s.end_at for s in self._slots]
        self.generation = generation
        self.valid_until = valid_until

    @property
    def slots(self) -> list[ScheduledSlot]:
        return list(self._slots)

    def __len__(self) -> int:
        return len(self._slots)

    def now(self, at: datetime) -> NowPlaying | None:
        """The slot with ``start_at <= at < end_at``; None in a gap (no-signal)."""
        i = bisect_right(self._starts, at) - 1
        if i < 0 or self._ends[i] <= at:
            return None
        nxt = self._slots[i + 1] if i + 1 < len(self._slots) else None
        return NowPlaying(slot=self._slots[i], offset=at - self._starts[i], next=nxt)

    def next_after(self, at: datetime) -> ScheduledSlot | None:
        """The first slot starting strictly after ``at``, or None."""
        i = bisect_right(self._starts, at)
        return self._slots[i] if i < len(self._slots) else None

    def window(self, start: datetime, until: datetime) -> list[ScheduledSlot]:
        """Every slot with ``end_at > start`` and ``start_at < until``, by start."""
        lo = bisect_right(self._ends, start)
        hi = bisect_left(self._starts, until)
        return self._slots[lo:hi] if lo < hi else []
