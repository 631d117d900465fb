"""ScheduleRepository over SQL: generations, slots, cooldown records, continuity."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from ktv_domain import (
    MAX_SLOT_LENGTH,
    BlockContinuity,
    BlockId,
    ChannelId,
    Conflict,
    GeneratedSchedule,
    GenerationSummary,
    MediaItem,
    MediaItemId,
    ScheduledSlot,
    ScheduleHead,
    ScheduleRecord,
    UserId,
    ValidationError,
)

from .codec import decode_item, encode_item, encode_warnings
from .session import Session
from .tables import channels, generations, schedule_records, slots
from .translate import writing

__all__ = ["SqlScheduleRepository", "channel_lock_key"]

#: First key of the per-channel ``pg_advisory_xact_lock(int, int)`` ("KTVC").
_LOCK_CLASS = 0x4B545643
_LOCK = text("SELECT pg_advisory_xact_lock(:k1, :k2)")
#: Ids per ``IN (...)`` list (well under SQLite's and asyncpg's parameter limits).
_IN_CHUNK = 500


def channel_lock_key(channel_id: ChannelId) -> int:
    """Second advisory-lock key of a channel (collisions only serialize more)."""
    return int.from_bytes(channel_id.bytes[:4], "big", signed=True)


class _Items:
    """Decodes item snapshots, once per distinct document within a query."""

    def __init__(self) -> None:
        self._seen: dict[str, MediaItem] = {}

    def __call__(self, doc: str) -> MediaItem:
        item = self._seen.get(doc)
        if item is None:
            item = self._seen[doc] = decode_item(doc)
        return item


def _slot(row: Row[Any], items: _Items) -> ScheduledSlot:
    return ScheduledSlot(id=row.id, channel_id=ChannelId(row.channel_id),
                         block_id=BlockId(row.block_id), generation=row.generation,
                         start_at=row.start_at, end_at=row.end_at, item=items(row.item))


def _check_slots(schedule: GeneratedSchedule) -> list[ScheduledSlot]:
    ordered = sorted(schedule.slots, key=lambda s: s.start_at)
    for s in ordered:
        if s.channel_id != schedule.channel_id:
            raise ValidationError("a slot belongs to another channel", field="slots")
        if not timedelta(0) < s.end_at - s.start_at <= MAX_SLOT_LENGTH:
            raise ValidationError("slots last more than nothing and at most a day",
                                  field="slots")
    for a, b in itertools.pairwise(ordered):
        if b.start_at < a.end_at:
            raise Conflict("two slots of the generation overlap")
    return ordered


def _overlaps(stored: list[tuple[datetime, datetime]], new: list[ScheduledSlot]) -> bool:
    """Whether any stored interval meets a new slot (both sorted by start)."""
    i = 0
    for start, end in stored:
        while i < len(new) and new[i].end_at <= start:
            i += 1
        if i < len(new) and new[i].start_at < end:
            return True
    return False


class SqlScheduleRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    @property
    def _conn(self) -> AsyncConnection:
        return self._s.conn

    async def _lock(self, channel_id: ChannelId) -> None:
        """Serialize schedule writers of one channel (PostgreSQL; SQLite has one writer)."""
        if self._s.dialect != "postgresql" or channel_id in self._s.locked_channels:
            return
        await self._conn.execute(_LOCK, {"k1": _LOCK_CLASS, "k2": channel_lock_key(channel_id)})
        self._s.locked_channels.add(channel_id)

    async def latest(self, channel_id: ChannelId) -> GenerationSummary | None:
        g = generations.c
        row = (await self._conn.execute(
            select(g.generation, g.valid_from, g.valid_until, g.created_at)
            .where(g.channel_id == channel_id).order_by(g.generation.desc()).limit(1))).first()
        if row is None:
            return None
        return GenerationSummary(generation=row.generation, valid_from=row.valid_from,
                                 valid_until=row.valid_until, created_at=row.created_at)

    async def heads(self) -> dict[ChannelId, ScheduleHead]:
        c, g = channels.c, generations.c
        rows = await self._conn.execute(
            select(c.id, c.owner_id, func.coalesce(func.max(g.generation), 0))
            .select_from(channels.outerjoin(generations, g.channel_id == c.id))
            .group_by(c.id, c.owner_id))
        return {ChannelId(r[0]): ScheduleHead(owner_id=UserId(r[1]), generation=int(r[2]))
                for r in rows}

    async def add_generation(self, schedule: GeneratedSchedule) -> None:
        new = _check_slots(schedule)
        cid, n = schedule.channel_id, schedule.generation
        unique = {"start": Conflict("a slot overlaps a stored slot"),
                  "generation": Conflict(f"generation {n} already exists"),
                  "": Conflict("this generation or slot is already stored")}
        async with writing(self._conn, unique=unique, missing="channel not found"):
            await self._lock(cid)
            # The generation row first: it takes SQLite's write lock, so the
            # overlap check below reads the latest committed slots.
            await self._conn.execute(insert(generations).values(
                id=schedule.id, channel_id=cid, generation=n,
                valid_from=schedule.valid_from, valid_until=schedule.valid_until,
                created_at=schedule.created_at, warnings=encode_warnings(schedule.warnings)))
            if not new:
                return
            s = slots.c
            first, last_end = new[0].start_at, max(x.end_at for x in new)
            stored = (await self._conn.execute(
                select(s.start_at, s.end_at)
                .where(s.channel_id == cid, s.start_at >= first - MAX_SLOT_LENGTH,
                       s.start_at < last_end, s.end_at > first)
                .order_by(s.start_at))).all()
            if _overlaps([(r.start_at, r.end_at) for r in stored], new):
                raise Conflict("a slot overlaps a stored slot")
            await self._conn.execute(insert(slots), [
                {"id": x.id, "channel_id": cid, "generation": x.generation,
                 "block_id": x.block_id, "start_at": x.start_at, "end_at": x.end_at,
                 "item_id": x.item.id, "item": encode_item(x.item)} for x in new])
            await self._conn.execute(insert(schedule_records), [
                {"channel_id": cid, "item_id": r.item_id, "scheduled_at": r.scheduled_at,
                 "generation": r.generation} for r in schedule.records()])

    async def discard_after(self, channel_id: ChannelId, at: datetime) -> int:
        async with writing(self._conn, unique=Conflict("cannot discard")):
            await self._lock(channel_id)
            result = await self._conn.execute(
                delete(slots).where(slots.c.channel_id == channel_id, slots.c.start_at > at))
            await self._conn.execute(delete(schedule_records).where(
                schedule_records.c.channel_id == channel_id,
                schedule_records.c.scheduled_at > at))
        return int(result.rowcount)

    async def slots_between(self, channel_id: ChannelId, start: datetime,
                            until: datetime) -> list[ScheduledSlot]:
        s = slots.c
        rows = await self._conn.execute(
            select(slots)
            .where(s.channel_id == channel_id, s.start_at >= start - MAX_SLOT_LENGTH,
                   s.start_at < until, s.end_at > start)
            .order_by(s.start_at))
        items = _Items()
        return [_slot(r, items) for r in rows]

    async def slot(self, channel_id: ChannelId, slot_id: uuid.UUID) -> ScheduledSlot | None:
        row = (await self._conn.execute(
            select(slots).where(slots.c.channel_id == channel_id, slots.c.id == slot_id)
        )).first()
        return None if row is None else _slot(row, _Items())

    async def prune_before(self, cutoff: datetime) -> int:
        s = slots.c
        latest = (select(s.channel_id, s.block_id, func.max(s.start_at).label("last_start"))
                  .group_by(s.channel_id, s.block_id).subquery())
        keep = (select(s.id).join(latest, and_(s.channel_id == latest.c.channel_id,
                                               s.block_id == latest.c.block_id,
                                               s.start_at == latest.c.last_start)))
        async with writing(self._conn, unique=Conflict("cannot prune")):
            result = await self._conn.execute(
                delete(slots).where(s.end_at < cutoff, s.id.not_in(keep)))
        return int(result.rowcount)

    async def continuity(self, channel_id: ChannelId,
                         at: datetime) -> dict[BlockId, BlockContinuity]:
        s = slots.c
        last = (select(s.block_id, func.max(s.start_at).label("last_start"))
                .where(s.channel_id == channel_id, s.start_at <= at)
                .group_by(s.block_id).subquery())
        rows = await self._conn.execute(
            select(slots).join(last, and_(s.block_id == last.c.block_id,
                                          s.start_at == last.c.last_start))
            .where(s.channel_id == channel_id))
        items = _Items()
        out: dict[BlockId, BlockContinuity] = {}
        for row in rows:
            slot = _slot(row, items)
            out[slot.block_id] = BlockContinuity.from_slot(slot)
        return out

    async def history(self, channel_id: ChannelId, *, since: datetime,
                      min_generation: int | None = None) -> list[ScheduleRecord]:
        r = schedule_records.c
        cond = r.scheduled_at >= since
        if min_generation is not None:
            cond = or_(cond, r.generation >= min_generation)
        rows = await self._conn.execute(
            select(r.item_id, r.scheduled_at, r.generation)
            .where(r.channel_id == channel_id, cond))
        records = [ScheduleRecord(channel_id=channel_id, item_id=MediaItemId(x.item_id),
                                  scheduled_at=x.scheduled_at, generation=x.generation)
                   for x in rows]
        records.sort(key=lambda x: (x.scheduled_at, x.item_id))
        return records

    async def first_airings(self, channel_id: ChannelId,
                            item_ids: Sequence[MediaItemId]) -> dict[MediaItemId, datetime]:
        r = schedule_records.c
        wanted = list(dict.fromkeys(item_ids))
        if not wanted:
            return {}
        if len(wanted) > _IN_CHUNK // 10:
            # Many ids (a week of guide): one pass over the channel's (item, time) index
            # beats binding hundreds of parameters.
            keep = set(wanted)
            rows = await self._conn.execute(
                select(r.item_id, func.min(r.scheduled_at).label("first"))
                .where(r.channel_id == channel_id).group_by(r.item_id))
            return {MediaItemId(x.item_id): x.first for x in rows if x.item_id in keep}
        # Few ids (at most _IN_CHUNK // 10): one IN query.
        rows = await self._conn.execute(
            select(r.item_id, func.min(r.scheduled_at).label("first"))
            .where(r.channel_id == channel_id, r.item_id.in_(wanted)).group_by(r.item_id))
        return {MediaItemId(x.item_id): x.first for x in rows}
