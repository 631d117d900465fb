"""Builders shared by the test tiers: terse, valid domain objects."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time

from ktv_domain import (
    AlgorithmicContent,
    BlockId,
    Channel,
    ChannelId,
    ContentType,
    Email,
    FillStrategy,
    ManualContent,
    MediaFilter,
    MediaItem,
    MediaItemId,
    ProgrammingBlock,
    RecyclePolicy,
    ScheduleConfig,
    User,
    UserId,
)

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def item_id(n: int) -> MediaItemId:
    return MediaItemId(f"{n:032x}")


def make_item(n: int, secs: float | None = 1800, **kw: object) -> MediaItem:
    kw.setdefault("title", f"Item {n}")
    kw.setdefault("content_type", ContentType.EPISODE)
    return MediaItem(id=item_id(n), duration_secs=secs, **kw)  # type: ignore[arg-type]


def make_block(start: time = time(20, 0), mins: int = 120, *,
               strategy: FillStrategy = FillStrategy.BEST_FIT,
               media_filter: MediaFilter | None = None, manual: Sequence[MediaItemId] = (),
               loop: bool = True, name: str = "Block", block_id: BlockId | None = None,
               ) -> ProgrammingBlock:
    content: AlgorithmicContent | ManualContent
    if manual:
        content = ManualContent(items=tuple(manual))
    else:
        content = AlgorithmicContent(filter=media_filter or MediaFilter(), strategy=strategy)
    return ProgrammingBlock(id=block_id or BlockId(uuid.uuid4()), name=name, start_time=start,
                            duration_mins=mins, content=content, loop_on_finish=loop)


def make_user(email: str = "owner@example.com", *, user_id: UserId | None = None) -> User:
    return User(id=user_id or UserId(uuid.uuid4()), email=Email(email), created_at=T0,
                password_hash="fake$v1$x")


def make_channel(blocks: Sequence[ProgrammingBlock] = (), *, tz: str = "UTC",
                 owner: UserId | None = None, policy: RecyclePolicy | None = None,
                 number: str = "1", channel_id: ChannelId | None = None) -> Channel:
    return Channel(id=channel_id or ChannelId(uuid.uuid4()),
                   owner_id=owner or UserId(uuid.uuid4()), name="Test Channel", number=number,
                   created_at=T0, updated_at=T0, timezone=tz,
                   schedule_config=ScheduleConfig(blocks=tuple(blocks)),
                   recycle_policy=policy or RecyclePolicy())
