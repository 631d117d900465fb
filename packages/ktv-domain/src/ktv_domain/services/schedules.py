"""Schedule use cases: generate, extend (the keeper), active schedule, now, EPG."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..channel import Channel
from ..engine import GenerationInput, build_generation
from ..errors import (
    Conflict,
    MediaSourceError,
    MediaSourceNotConfigured,
    NotFound,
    ValidationError,
)
from ..ids import BlockId, ChannelId, MediaItemId, UserId
from ..media import MediaItem
from ..media_filter import MediaFilter
from ..ports import Clock, CpuRunner, MediaProvider, UnitOfWork, run_inline
from ..schedule import MAX_SLOT_LENGTH, GeneratedSchedule, ScheduledSlot
from ..schedule_config import AlgorithmicContent, ManualContent
from ..schedule_view import NowPlaying, ScheduleView
from .channels import owned_channel

__all__ = ["MAX_EPG_SPAN", "MIN_HISTORY", "ActiveSchedule", "ScheduleService"]

MAX_EPG_SPAN = timedelta(days=14)
#: History kept however short the catch-up windows: the guide looks a few hours back.
MIN_HISTORY = timedelta(days=1)
_ATTEMPTS = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class ActiveSchedule:
    channel_id: ChannelId
    generation: int
    valid_until: datetime
    slots: list[ScheduledSlot]


@dataclass(frozen=True, slots=True)
class _Media:
    pools: dict[BlockId, Sequence[MediaItem]]
    manual: dict[MediaItemId, MediaItem]
    errors: dict[BlockId, str]


class ScheduleService:
    def __init__(self, uow: Callable[[], UnitOfWork], media: MediaProvider | None,
                 clock: Clock, *, horizon: timedelta = timedelta(hours=48),
                 cpu: CpuRunner = run_inline) -> None:
        if horizon <= timedelta(0):
            raise ValueError("horizon must be positive")
        self._uow = uow
        self._media = media
        self._clock = clock
        self.horizon = horizon
        self._cpu = cpu

    # -- writes ---------------------------------------------------------------------------

    async def prune_history(self) -> int:
        """Drop the slots older than the longest catch-up window of the enabled channels
        (at least :data:`MIN_HISTORY`) and no newer; each block's last slot stays (it is
        where a sequential block resumes). How many slots went."""
        async with self._uow() as uow:
            channels = await uow.channels.list_enabled()
            days = max((c.catchup_days for c in channels), default=0)
            cutoff = self._clock.now() - max(timedelta(days=days), MIN_HISTORY)
            removed = await uow.schedules.prune_before(cutoff)
            await uow.commit()
        return removed

    async def generate(self, owner: UserId, channel_id: ChannelId) -> GeneratedSchedule:
        """A new generation from now: future slots replaced, nothing on air cut."""
        async with self._uow() as uow:
            channel = await owned_channel(uow, owner, channel_id)
        return await self._generate(channel, None)

    async def extend_if_needed(self, channel: Channel, *,
                               threshold: timedelta | None = None) -> GeneratedSchedule | None:
        """Append a generation when less than ``threshold`` (default: half the horizon)
        of the channel's schedule remains. Used by the background keeper."""
        threshold = self.horizon / 2 if threshold is None else threshold
        now = self._clock.now()
        async with self._uow() as uow:
            latest = await uow.schedules.latest(channel.id)
        if latest is not None and latest.valid_until - now >= threshold:
            return None
        return await self._generate(channel, latest.valid_until if latest else None)

    async def _generate(self, channel: Channel, append_at: datetime | None) -> GeneratedSchedule:
        if self._media is None:
            raise MediaSourceNotConfigured()
        media = await self._fetch_media(channel)
        for attempt in range(_ATTEMPTS):
            now = self._clock.now()
            at = max(now, append_at) if append_at is not None else now
            try:
                return await self._run_once(channel, at, media)
            except Conflict:
                if attempt + 1 == _ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    async def _run_once(self, channel: Channel, at: datetime, media: _Media) -> GeneratedSchedule:
        policy = channel.recycle_policy
        async with self._uow() as uow:
            latest = await uow.schedules.latest(channel.id)
            generation = (latest.generation if latest else 0) + 1
            kept = await uow.schedules.slots_between(
                channel.id, at - MAX_SLOT_LENGTH - timedelta(hours=1),
                at + timedelta(microseconds=1))
            continuity = await uow.schedules.continuity(channel.id, at)
            since = at - MAX_SLOT_LENGTH - timedelta(days=policy.cooldown_days or 0)
            min_gen = (generation - policy.cooldown_generations
                       if policy.cooldown_generations else None)
            history = [r for r in await uow.schedules.history(
                channel.id, since=since, min_generation=min_gen) if r.scheduled_at <= at]
        inp = GenerationInput(
            channel=channel, generation=generation, at=at, horizon=self.horizon,
            created_at=self._clock.now(), pools=media.pools, manual_items=media.manual,
            kept_slots=kept, continuity=continuity, history=history,
            source_errors=media.errors, has_earlier_schedule=latest is not None)
        schedule = await self._cpu(lambda: build_generation(inp))
        async with self._uow() as uow:
            await uow.schedules.discard_after(channel.id, at)
            await uow.schedules.add_generation(schedule)
            await uow.commit()
        return schedule

    async def _fetch_media(self, channel: Channel) -> _Media:
        assert self._media is not None
        pools: dict[BlockId, Sequence[MediaItem]] = {}
        errors: dict[BlockId, str] = {}
        by_filter: dict[MediaFilter, Sequence[MediaItem] | MediaSourceError] = {}
        manual_ids: list[MediaItemId] = []
        failures: list[MediaSourceError] = []
        for block in channel.schedule_config.blocks:
            content = block.content
            if isinstance(content, ManualContent):
                manual_ids.extend(content.items)
                continue
            assert isinstance(content, AlgorithmicContent)
            if content.filter not in by_filter:
                try:
                    by_filter[content.filter] = await self._media.find_items(content.filter)
                except MediaSourceNotConfigured:
                    raise
                except MediaSourceError as exc:
                    by_filter[content.filter] = exc
                    failures.append(exc)
            found = by_filter[content.filter]
            if isinstance(found, MediaSourceError):
                errors[block.id] = found.message
            else:
                pools[block.id] = found
        manual: dict[MediaItemId, MediaItem] = {}
        if manual_ids:
            try:
                unique = list(dict.fromkeys(manual_ids))
                manual = {it.id: it for it in await self._media.get_items(unique)}
            except MediaSourceNotConfigured:
                raise
            except MediaSourceError as exc:
                failures.append(exc)
                for block in channel.schedule_config.blocks:
                    if isinstance(block.content, ManualContent):
                        errors[block.id] = exc.message
        blocks = channel.schedule_config.blocks
        if failures and len(errors) == len(blocks):
            raise failures[0]  # nothing could be fetched: store nothing, say why
        return _Media(pools, manual, errors)

    # -- reads ----------------------------------------------------------------------------

    async def active(self, owner: UserId, channel_id: ChannelId) -> ActiveSchedule:
        now = self._clock.now()
        async with self._uow() as uow:
            await owned_channel(uow, owner, channel_id)
            latest = await uow.schedules.latest(channel_id)
            if latest is None:
                raise NotFound("this channel has no schedule yet: generate one first")
            slots = await uow.schedules.slots_between(channel_id, now, latest.valid_until)
        return ActiveSchedule(channel_id=channel_id, generation=latest.generation,
                              valid_until=latest.valid_until, slots=slots)

    async def now(self, owner: UserId, channel_id: ChannelId,
                  at: datetime | None = None) -> NowPlaying | None:
        at = at or self._clock.now()
        async with self._uow() as uow:
            await owned_channel(uow, owner, channel_id)
            slots = await uow.schedules.slots_between(channel_id, at, at + MAX_SLOT_LENGTH)
        return ScheduleView(slots).now(at)

    async def epg(self, owner: UserId, channel_id: ChannelId, start: datetime | None = None,
                  until: datetime | None = None) -> list[ScheduledSlot]:
        start = start or self._clock.now()
        until = until or start + timedelta(hours=24)
        validate_window(start, until)
        async with self._uow() as uow:
            await owned_channel(uow, owner, channel_id)
            return await uow.schedules.slots_between(channel_id, start, until)


def validate_window(start: datetime, until: datetime) -> None:
    """An EPG window: aware datetimes, ``from < until``, at most 14 days."""
    for name, value in (("from", start), ("until", until)):
        if value.utcoffset() is None:
            raise ValidationError("must carry a UTC offset (RFC 3339)", field=name)
    if until <= start:
        raise ValidationError("must be after 'from'", field="until")
    if until - start > MAX_EPG_SPAN:
        raise ValidationError("the window may span at most 14 days", field="until")
