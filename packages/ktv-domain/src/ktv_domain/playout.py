"""The playout plan: what a channel plays from any instant, with no gap in time.

A channel's stored slots leave gaps between blocks (no signal). A stream cannot
have gaps, so the plan turns the slots into segments that tile time exactly:
an *item* segment plays ``slot.item`` from ``offset`` until the slot's end, and
a *slate* segment fills a gap until the next slot starts (or, past the end of
coverage, for as long as nothing is known).

Everything is aligned to the slots' wall-clock boundaries: the first segment
of a plan starts at the requested instant (``offset = at - slot.start_at`` when
that instant is inside a slot), every later item segment starts at its slot's
start with offset 0. A running channel asks :func:`segment_at` again at each
boundary with the newest schedule it knows, so a regeneration stored while it
plays takes effect at the next boundary; the item on air is never cut, because
a regeneration never changes the slot on air (``docs/scheduling.md``). A slate,
unlike an item, gives way at once: :func:`revise` shortens it when a newer
schedule puts something on air sooner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import ValidationError
from .schedule import ScheduledSlot
from .schedule_view import ScheduleView

__all__ = ["DEFAULT_MAX_SLATE", "PlayoutSegment", "playout_plan", "revise", "segment_at"]

#: Longest slate segment when no slot follows (the stream asks again after it).
DEFAULT_MAX_SLATE = timedelta(hours=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayoutSegment:
    """``[start_at, end_at)`` of a channel's stream: an item from ``offset``, or the slate."""

    start_at: datetime
    end_at: datetime
    #: The slot whose item plays; None for the slate (no signal).
    slot: ScheduledSlot | None = None
    #: How far into the item the segment starts (zero for the slate).
    offset: timedelta = timedelta(0)
    #: For the slate: the slot that ends it (None when coverage ends before it does).
    next_slot: ScheduledSlot | None = None

    def __post_init__(self) -> None:
        if self.end_at <= self.start_at:
            raise ValidationError("a segment must end after it starts", field="end_at")
        if self.slot is not None:
            if self.next_slot is not None:
                raise ValidationError("only a slate has a next slot", field="next_slot")
            if self.offset != self.start_at - self.slot.start_at or self.offset < timedelta(0):
                raise ValidationError("an item segment starts inside its slot", field="offset")
            if self.end_at > self.slot.end_at:
                raise ValidationError("an item segment ends with its slot", field="end_at")
        elif self.offset:
            raise ValidationError("a slate has no offset", field="offset")

    @property
    def is_slate(self) -> bool:
        return self.slot is None

    @property
    def length(self) -> timedelta:
        return self.end_at - self.start_at


def segment_at(view: ScheduleView, at: datetime, *,
               max_slate: timedelta = DEFAULT_MAX_SLATE) -> PlayoutSegment:
    """What plays from ``at``: the rest of the slot on air, else the slate of the gap.

    A slate lasts until the next slot starts; with no slot within ``max_slate``
    (coverage ends, or no schedule at all) it lasts ``max_slate``.
    """
    if max_slate <= timedelta(0):
        raise ValueError("max_slate must be positive")
    playing = view.now(at)
    if playing is not None:
        slot = playing.slot
        return PlayoutSegment(start_at=at, end_at=slot.end_at, slot=slot, offset=playing.offset)
    nxt = view.next_after(at)
    if nxt is not None and nxt.start_at - at <= max_slate:
        return PlayoutSegment(start_at=at, end_at=nxt.start_at, next_slot=nxt)
    return PlayoutSegment(start_at=at, end_at=at + max_slate, next_slot=None)


def revise(segment: PlayoutSegment, view: ScheduleView, at: datetime) -> PlayoutSegment:
    """A running slate checked against a newer schedule at ``at`` (inside the segment).

    An item segment is returned unchanged (what is on air is never cut). A slate
    is shortened to end where the newer schedule's next programme starts: at
    ``at`` itself when something is already on air there (the caller switches at
    once), else at the next slot's start if that comes sooner, with that slot
    as its ``next_slot``.
    """
    if not segment.start_at <= at < segment.end_at:
        raise ValueError("revise needs an instant inside the segment")
    if not segment.is_slate:
        return segment
    if view.now(at) is not None:
        if at == segment.start_at:
            return segment_at(view, at)
        return PlayoutSegment(start_at=segment.start_at, end_at=at)
    nxt = view.next_after(at)
    if nxt is not None and nxt.start_at <= segment.end_at:
        return PlayoutSegment(start_at=segment.start_at, end_at=nxt.start_at, next_slot=nxt)
    if segment.next_slot is not None:  # the slot it announced is gone
        return PlayoutSegment(start_at=segment.start_at, end_at=segment.end_at)
    return segment


def playout_plan(view: ScheduleView, start: datetime, until: datetime, *,
                 max_slate: timedelta = DEFAULT_MAX_SLATE) -> list[PlayoutSegment]:
    """The segments that tile ``[start, until)`` exactly (the last one cut at ``until``).

    Each gap is one slate segment, however long (``max_slate`` only bounds how
    far ahead a slot is looked for at a time).
    """
    if until <= start:
        return []
    plan: list[PlayoutSegment] = []
    at = start
    while at < until:
        seg = segment_at(view, at, max_slate=max_slate)
        if seg.is_slate and plan and plan[-1].is_slate:  # one slate per gap, however long
            seg = PlayoutSegment(start_at=plan.pop().start_at, end_at=seg.end_at,
                                 next_slot=seg.next_slot)
        if seg.end_at > until:
            seg = PlayoutSegment(start_at=seg.start_at, end_at=until, slot=seg.slot,
                                 offset=seg.offset, next_slot=seg.next_slot)
        plan.append(seg)
        at = seg.end_at
    return plan
