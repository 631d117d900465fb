"""Channel use cases: create, update (block ids preserved), delete, ownership."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any, Final

from ..channel import DEFAULT_CATCHUP_DAYS, Channel
from ..errors import Conflict, FieldError, NotFound, ValidationError
from ..ids import BlockId, ChannelId, UserId, new_id
from ..ports import Clock, UnitOfWork
from ..schedule_config import BlockContent, ProgrammingBlock, RecyclePolicy, ScheduleConfig

__all__ = ["UNSET", "BlockSpec", "ChannelChanges", "ChannelService", "ChannelSpec", "Unset"]


class Unset:
    """Marks a field a partial update leaves alone."""

    _instance: Unset | None = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset()


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockSpec:
    """A block as an editor sends it; a missing id means a new block."""

    name: str
    start_time: time
    duration_mins: int
    content: BlockContent
    loop_on_finish: bool = True
    id: BlockId | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelSpec:
    name: str
    description: str = ""
    number: str | None = None
    timezone: str = "UTC"
    enabled: bool = True
    logo_url: str | None = None
    blocks: Sequence[BlockSpec] = ()
    recycle_policy: RecyclePolicy | None = None
    stream_profile: str | None = None
    catchup_days: int = DEFAULT_CATCHUP_DAYS


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelChanges:
    """A partial update: only fields that are not UNSET change."""

    name: str | Unset = UNSET
    description: str | Unset = UNSET
    number: str | Unset = UNSET
    timezone: str | Unset = UNSET
    enabled: bool | Unset = UNSET
    logo_url: str | Unset | None = UNSET
    blocks: Sequence[BlockSpec] | Unset = UNSET
    #: None restores the default policy.
    recycle_policy: RecyclePolicy | Unset | None = UNSET
    #: None returns to the server's default profile.
    stream_profile: str | Unset | None = UNSET
    catchup_days: int | Unset = UNSET


def build_config(blocks: Sequence[BlockSpec]) -> ScheduleConfig:
    """Validate blocks into a config; ids are kept when given, generated when absent."""
    built: list[ProgrammingBlock] = []
    errors: list[FieldError] = []
    for i, spec in enumerate(blocks):
        try:
            built.append(ProgrammingBlock(
                id=spec.id or BlockId(new_id()), name=spec.name, start_time=spec.start_time,
                duration_mins=spec.duration_mins, content=spec.content,
                loop_on_finish=spec.loop_on_finish))
        except ValidationError as exc:
            errors.extend(exc.prefixed(f"schedule_config.blocks[{i}]").errors)
    if errors:
        raise ValidationError(errors)
    try:
        return ScheduleConfig(blocks=tuple(built))
    except ValidationError as exc:
        raise exc.prefixed("schedule_config") from None


_INT_NUMBER = re.compile(r"[0-9]+")


def next_number(existing: Sequence[Channel]) -> str:
    """One more than the highest whole number in use (``"1"`` for a first channel)."""
    highest = 0
    for ch in existing:
        major = ch.number.split(".", 1)[0]
        if _INT_NUMBER.fullmatch(major):
            highest = max(highest, int(major))
    return str(highest + 1)


class ChannelService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def list(self, owner: UserId) -> list[Channel]:
        async with self._uow() as uow:
            return await uow.channels.list_by_owner(owner)

    async def get(self, owner: UserId, channel_id: ChannelId) -> Channel:
        async with self._uow() as uow:
            return await owned_channel(uow, owner, channel_id)

    async def create(self, owner: UserId, spec: ChannelSpec) -> Channel:
        config = build_config(spec.blocks)
        now = self._clock.now()
        async with self._uow() as uow:
            existing = await uow.channels.list_by_owner(owner)
            number = spec.number or next_number(existing)
            _check_number_free(existing, number, None)
            channel = Channel(
                id=ChannelId(new_id()), owner_id=owner, name=spec.name,
                description=spec.description, number=number, timezone=spec.timezone,
                enabled=spec.enabled, logo_url=spec.logo_url, schedule_config=config,
                recycle_policy=spec.recycle_policy or RecyclePolicy(),
                stream_profile=spec.stream_profile, catchup_days=spec.catchup_days,
                created_at=now, updated_at=now)
            await uow.channels.add(channel)
            await uow.commit()
        return channel

    async def update(self, owner: UserId, channel_id: ChannelId,
                     changes: ChannelChanges) -> Channel:
        fields: dict[str, Any] = {}
        for f in dataclasses.fields(changes):
            value = getattr(changes, f.name)
            if value is UNSET:
                continue
            if f.name == "blocks":
                fields["schedule_config"] = build_config(value)
            elif f.name == "recycle_policy":
                fields["recycle_policy"] = value or RecyclePolicy()
            else:
                fields[f.name] = value
        async with self._uow() as uow:
            current = await owned_channel(uow, owner, channel_id)
            if not fields:
                return current
            if "number" in fields:
                _check_number_free(await uow.channels.list_by_owner(owner), fields["number"],
                                   channel_id)
            updated = dataclasses.replace(current, updated_at=self._clock.now(), **fields)
            await uow.channels.update(updated)
            await uow.commit()
        return updated

    async def delete(self, owner: UserId, channel_id: ChannelId) -> None:
        async with self._uow() as uow:
            await owned_channel(uow, owner, channel_id)
            await uow.channels.delete(channel_id)
            await uow.commit()


async def owned_channel(uow: UnitOfWork, owner: UserId, channel_id: ChannelId) -> Channel:
    """The channel if ``owner`` owns it; NotFound otherwise (never reveal it exists)."""
    channel = await uow.channels.get(channel_id)
    if channel is None or channel.owner_id != owner:
        raise NotFound("channel not found")
    return channel


def _check_number_free(existing: Sequence[Channel], number: str,
                       channel_id: ChannelId | None) -> None:
    if any(ch.number == number and ch.id != channel_id for ch in existing):
        raise Conflict(f"channel number {number} is already in use")
