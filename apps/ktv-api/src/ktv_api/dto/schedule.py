"""Schedule, slot and item wire types."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from ktv_domain import GeneratedSchedule, MediaItem, ScheduledSlot, ScheduleWarning
from ktv_domain.schedule_view import NowPlaying
from ktv_domain.services import ActiveSchedule

from .base import Response, utc

__all__ = ["ActiveScheduleOut", "GenerationOut", "ItemOut", "NowOut", "SlotOut"]


class ItemOut(Response):
    id: str
    title: str
    content_type: str | None
    duration_secs: float | None
    series_name: str | None
    season_number: int | None
    episode_number: int | None
    year: int | None
    genres: list[str]
    tags: list[str]
    overview: str | None
    image_url: str | None

    @classmethod
    def of(cls, it: MediaItem) -> ItemOut:
        return cls(id=it.id, title=it.title,
                   content_type=it.content_type.value if it.content_type else None,
                   duration_secs=it.duration_secs, series_name=it.series_name,
                   season_number=it.season_number, episode_number=it.episode_number,
                   year=it.year, genres=list(it.genres), tags=list(it.tags),
                   overview=it.overview, image_url=it.image_url)


class SlotOut(Response):
    id: uuid.UUID
    start_at: datetime
    end_at: datetime
    block_id: uuid.UUID
    generation: int
    item: ItemOut

    @classmethod
    def of(cls, s: ScheduledSlot) -> SlotOut:
        return cls(id=s.id, start_at=utc(s.start_at), end_at=utc(s.end_at), block_id=s.block_id,
                   generation=s.generation, item=ItemOut.of(s.item))


class EpgSlotOut(SlotOut):
    """A guide slot; ``catchup_url`` replays it when the channel's catch-up window allows:
    a programme that has ended as VOD (``.../hls/programme/{slot_id}.m3u8``), the one on
    air from its start (``.../hls/startover.m3u8?slot={slot_id}``); null for the future, outside the
    window, or with catch-up off. A path on this server (Bearer, like the rest)."""

    catchup_url: str | None

    @classmethod
    def for_guide(cls, s: ScheduledSlot, catchup_days: int, now: datetime) -> EpgSlotOut:
        url = None
        if catchup_days > 0 and now - timedelta(days=catchup_days) <= s.start_at <= now:
            base = f"/api/v1/channels/{s.channel_id}/hls"
            url = (f"{base}/programme/{s.id}.m3u8" if s.end_at <= now
                   else f"{base}/startover.m3u8?slot={s.id}")
        return cls(id=s.id, start_at=utc(s.start_at), end_at=utc(s.end_at), block_id=s.block_id,
                   generation=s.generation, item=ItemOut.of(s.item), catchup_url=url)


class WarningOut(Response):
    code: str
    message: str
    block_id: uuid.UUID | None

    @classmethod
    def of(cls, w: ScheduleWarning) -> WarningOut:
        return cls(code=w.code, message=w.message, block_id=w.block_id)


class GenerationOut(Response):
    id: uuid.UUID
    channel_id: uuid.UUID
    generation: int
    valid_from: datetime
    valid_until: datetime
    slots: list[SlotOut]
    warnings: list[WarningOut]

    @classmethod
    def of(cls, g: GeneratedSchedule) -> GenerationOut:
        return cls(id=g.id, channel_id=g.channel_id, generation=g.generation,
                   valid_from=utc(g.valid_from), valid_until=utc(g.valid_until),
                   slots=[SlotOut.of(s) for s in g.slots],
                   warnings=[WarningOut.of(w) for w in g.warnings])


class ActiveScheduleOut(Response):
    channel_id: uuid.UUID
    #: The newest generation; 0 before the first.
    generation: int
    #: Where coverage ends; null before the first generation.
    valid_until: datetime | None
    slots: list[SlotOut]

    @classmethod
    def of(cls, a: ActiveSchedule) -> ActiveScheduleOut:
        return cls(channel_id=a.channel_id, generation=a.generation,
                   valid_until=utc(a.valid_until), slots=[SlotOut.of(s) for s in a.slots])


class NowOut(Response):
    slot: SlotOut
    offset_secs: float
    next: SlotOut | None

    @classmethod
    def of(cls, n: NowPlaying) -> NowOut:
        return cls(slot=SlotOut.of(n.slot), offset_secs=n.offset_secs,
                   next=SlotOut.of(n.next) if n.next else None)
