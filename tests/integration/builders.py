"""Generations and channels with everything set, for the persistence tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from ktv_domain import (
    AlgorithmicContent,
    BlockId,
    Channel,
    ChannelId,
    ContentType,
    FillStrategy,
    GeneratedSchedule,
    MediaFilter,
    MediaItem,
    ProgrammingBlock,
    RecyclePolicy,
    ScheduledSlot,
    ScheduleWarning,
    UserId,
)
from ktv_domain.schedule import generation_uuid, slot_uuid
from support import T0, item_id, make_block, make_channel, make_item

BLOCK_A = BlockId(uuid.UUID("00000000-0000-4000-8000-00000000000a"))
BLOCK_B = BlockId(uuid.UUID("00000000-0000-4000-8000-00000000000b"))


def rich_item(n: int) -> MediaItem:
    return MediaItem(id=item_id(n), title=f"Épisode {n} – “quoted”",
                     content_type=ContentType.EPISODE,
                     duration_secs=1800.125, series_name="Série", season_number=2,
                     episode_number=n, year=1999, premiere_date=date(1999, 3, 4),
                     genres=("Drama", "Comedy"), tags=("tag",), collections=("lib1", "box"),
                     overview="Line one\nline two", image_url="https://img.example/x.jpg")


def rich_channel(owner: UserId, number: str = "7.1") -> Channel:
    blocks = (
        ProgrammingBlock(id=BLOCK_A, name="Morning", start_time=time(6, 30, 15),
                         duration_mins=90,
                         content=AlgorithmicContent(
                             filter=MediaFilter(content_type=ContentType.MOVIE,
                                                genres=("Drama",), tags=("a", "b"),
                                                collections=("c1",), series=("S",),
                                                decade=1990, min_duration_secs=60,
                                                max_duration_secs=7200),
                             strategy=FillStrategy.SEQUENTIAL),
                         loop_on_finish=False),
        make_block(time(20, 0), 60, manual=[item_id(1), item_id(2)], name="Evening",
                   block_id=BLOCK_B),
    )
    ch = make_channel(blocks, owner=owner, number=number, tz="Europe/Paris",
                      policy=RecyclePolicy(cooldown_days=None, cooldown_generations=3,
                                           min_available_ratio=0.35))
    return Channel(id=ch.id, owner_id=owner, name="Rich", number=number,
                   created_at=ch.created_at, updated_at=ch.updated_at + timedelta(seconds=1.5),
                   description="desc", timezone="Europe/Paris", enabled=True,
                   logo_url="https://logo.example/l.png", schedule_config=ch.schedule_config,
                   recycle_policy=ch.recycle_policy, stream_profile="copy", catchup_days=3)


def slot(channel_id: ChannelId, generation: int, start: datetime, minutes: float,
         item: MediaItem | int = 1, block: BlockId = BLOCK_A) -> ScheduledSlot:
    it = make_item(item) if isinstance(item, int) else item
    return ScheduledSlot(id=slot_uuid(channel_id, generation, start), channel_id=channel_id,
                         block_id=block, generation=generation, start_at=start,
                         end_at=start + timedelta(minutes=minutes), item=it)


def generation(channel_id: ChannelId, n: int, slots: Sequence[ScheduledSlot], *,
               valid_from: datetime = T0, hours: int = 48,
               warnings: tuple[ScheduleWarning, ...] = ()) -> GeneratedSchedule:
    return GeneratedSchedule(id=generation_uuid(channel_id, n), channel_id=channel_id,
                             generation=n, valid_from=valid_from,
                             valid_until=valid_from + timedelta(hours=hours), created_at=T0,
                             slots=tuple(slots), warnings=warnings)


def run(channel_id: ChannelId, n: int, start: datetime, count: int, minutes: float = 30,
        *, first_item: int = 1, block: BlockId = BLOCK_A) -> list[ScheduledSlot]:
    """``count`` back-to-back slots from ``start``."""
    return [slot(channel_id, n, start + timedelta(minutes=minutes * i), minutes,
                 first_item + i, block) for i in range(count)]
