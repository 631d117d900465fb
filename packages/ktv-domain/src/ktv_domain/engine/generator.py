"""Building a generation: occurrences in, slots out, nothing on air cut.

Given the time T of the run, the engine fills every occurrence that ends
after T and starts before T + horizon, whole. Slots of earlier generations
that start at or before T (the one on air included) are kept as they are.
With no earlier schedule (the channel's first generation), an occurrence is
filled from its own start (a viewer joins mid-item). Otherwise it is filled
from ``max(its start, end of the last kept slot, T)``: what aired - programmes
or no-signal - stays as the guide showed it, also when no kept slot says so
(``has_earlier_schedule``: generation 1 left the time up to T as dead air):

* an occurrence in progress that already aired items continues after them,
  in the same pass (and, for sequential and manual blocks, at the same place);
* an occurrence in progress with nothing on air at T (a block just added over
  a gap, or T in dead air) starts its first item at T;
* an extension (T = the end of the current coverage) simply appends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..channel import Channel
from ..ids import BlockId, MediaItemId
from ..media import MediaItem
from ..schedule import (
    BlockContinuity,
    GeneratedSchedule,
    ScheduledSlot,
    ScheduleRecord,
    ScheduleWarning,
    WarningCode,
    generation_uuid,
    slot_uuid,
)
from ..schedule_config import AlgorithmicContent, FillStrategy, ProgrammingBlock
from .occurrences import Occurrence, expand_occurrences
from .pool_index import PoolIndex
from .recycling import CooldownTracker
from .strategies import Filler, ManualFiller, PoolFiller, SequentialFiller
from .timebase import from_us, to_us

__all__ = ["GenerationInput", "build_generation"]


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerationInput:
    """Everything one engine run needs; the engine does no I/O."""

    channel: Channel
    generation: int
    at: datetime
    horizon: timedelta
    created_at: datetime
    #: Algorithmic blocks: the items matching the block's filter.
    pools: Mapping[BlockId, Sequence[MediaItem]] = field(default_factory=dict)
    #: Manual blocks: the listed ids the provider knows (unknown ones are absent).
    manual_items: Mapping[MediaItemId, MediaItem] = field(default_factory=dict)
    #: Earlier slots that start at or before ``at`` (those ending in the last day suffice).
    kept_slots: Sequence[ScheduledSlot] = ()
    #: Each block's last aired item at ``at``.
    continuity: Mapping[BlockId, BlockContinuity] = field(default_factory=dict)
    #: Cooldown records of earlier generations (none after ``at``).
    history: Sequence[ScheduleRecord] = ()
    #: Blocks whose items could not be fetched, with the reason.
    source_errors: Mapping[BlockId, str] = field(default_factory=dict)
    #: The channel had a generation before this one: nothing is placed before ``at``
    #: even when no kept slot reaches it (what aired as no-signal stays so). Without
    #: it, and without kept slots, occurrences in progress fill from their start.
    has_earlier_schedule: bool = False


class _Run:
    def __init__(self, inp: GenerationInput) -> None:
        self.inp = inp
        self.channel = inp.channel
        self.tracker = CooldownTracker(inp.channel.recycle_policy, inp.generation, inp.history)
        self.fillers: dict[BlockId, Filler | None] = {}
        self.warnings: dict[tuple[BlockId | None, str], ScheduleWarning] = {}
        self.slots: list[ScheduledSlot] = []

    def warn(self, block: ProgrammingBlock | None, code: str, message: str) -> None:
        key = (block.id if block else None, code)
        self.warnings.setdefault(key, ScheduleWarning(
            code=code, message=message, block_id=block.id if block else None))

    def filler(self, block: ProgrammingBlock) -> Filler | None:
        if block.id not in self.fillers:
            self.fillers[block.id] = self._make_filler(block)
        return self.fillers[block.id]

    def _make_filler(self, block: ProgrammingBlock) -> Filler | None:
        inp = self.inp
        if block.id in inp.source_errors:
            self.warn(block, WarningCode.MEDIA_SOURCE_UNAVAILABLE,
                      f"block {block.name!r}: {inp.source_errors[block.id]}")
            return None
        content = block.content
        if isinstance(content, AlgorithmicContent):
            index = PoolIndex.of(inp.pools.get(block.id, ()))
            if index.n == 0:
                self.warn(block, WarningCode.EMPTY_POOL,
                          f"block {block.name!r}: no item with a known duration matches "
                          "its filter")
                return None
            if content.strategy is FillStrategy.SEQUENTIAL:
                last = inp.continuity.get(block.id)
                return SequentialFiller(index, last.last_item if last else None,
                                        loop=block.loop_on_finish)
            seed_key = ((str(self.channel.id), str(block.id))
                        if content.strategy is FillStrategy.RANDOM else None)
            return PoolFiller(index, self.tracker, loop=block.loop_on_finish, seed_key=seed_key)
        items: list[MediaItem] = []
        missing: list[str] = []
        for item_id in content.items:
            item = inp.manual_items.get(item_id)
            if item is None or item.duration_us is None:
                missing.append(item_id)
            else:
                items.append(item)
        if missing:
            shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
            self.warn(block, WarningCode.UNKNOWN_ITEMS,
                      f"block {block.name!r}: skipped {len(missing)} unknown or unplayable "
                      f"item(s): {shown}")
        if not items:
            self.warn(block, WarningCode.EMPTY_POOL,
                      f"block {block.name!r}: none of its listed items can be played")
            return None
        return ManualFiller(items, loop=block.loop_on_finish)

    def fill(self, occ: Occurrence, start_us: int, primed: Sequence[MediaItem]) -> None:
        filler = self.filler(occ.block)
        if filler is None:
            return
        filler.begin(occ, primed)
        cursor = start_us
        placed = 0
        channel_id, generation = self.channel.id, self.inp.generation
        while True:
            item = filler.next(occ.end_us - cursor)
            if item is None:
                break
            dur = item.duration_us
            assert dur is not None
            assert dur > 0
            start = from_us(cursor)
            self.slots.append(ScheduledSlot(
                id=slot_uuid(channel_id, generation, start), channel_id=channel_id,
                block_id=occ.block.id, generation=generation, start_at=start,
                end_at=from_us(cursor + dur), item=item))
            self.tracker.note_placed(item.id, cursor)
            cursor += dur
            placed += 1
        if placed == 0 and start_us == occ.start_us:
            self.warn(occ.block, WarningCode.NOTHING_FITS,
                      f"block {occ.block.name!r}: no item fits in an occurrence "
                      f"starting {occ.start.isoformat()}")


def build_generation(inp: GenerationInput) -> GeneratedSchedule:
    """Run the engine once for a channel (pure and deterministic)."""
    channel = inp.channel
    at_us = to_us(inp.at)
    until = inp.at + inp.horizon
    occurrences = expand_occurrences(channel.schedule_config.blocks, channel.zone,
                                     inp.at, until)
    kept = [s for s in inp.kept_slots if to_us(s.start_at) <= at_us]
    barrier = max((to_us(s.end_at) for s in kept),
                  default=at_us if inp.has_earlier_schedule else None)
    kept.sort(key=lambda s: s.start_at)
    run = _Run(inp)
    for occ in occurrences:
        # With an earlier schedule, nothing is placed before T (dead air at T is past).
        start = occ.start_us if barrier is None else max(occ.start_us, barrier, at_us)
        if start >= occ.end_us:
            continue
        primed: list[MediaItem] = []
        if start > occ.start_us:
            primed = [s.item for s in kept
                      if s.block_id == occ.block.id
                      and occ.start_us <= to_us(s.start_at) < occ.end_us]
        run.fill(occ, start, primed)
    valid_until = max([until, *(o.end for o in occurrences)])
    return GeneratedSchedule(
        id=generation_uuid(channel.id, inp.generation), channel_id=channel.id,
        generation=inp.generation, valid_from=inp.at, valid_until=valid_until,
        created_at=inp.created_at, slots=tuple(run.slots),
        warnings=tuple(run.warnings.values()))
