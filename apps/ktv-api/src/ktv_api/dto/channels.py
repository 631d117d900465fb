"""Channel wire types and their mapping to the domain's specs and entities."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from ktv_domain import (
    DEFAULT_CATCHUP_DAYS,
    MAX_CATCHUP_DAYS,
    AlgorithmicContent,
    BlockContent,
    BlockId,
    Channel,
    ContentType,
    FieldError,
    FillStrategy,
    ManualContent,
    MediaFilter,
    MediaItemId,
    ProgrammingBlock,
    RecyclePolicy,
    ValidationError,
)
from ktv_domain.services import UNSET as KEEP
from ktv_domain.services import BlockSpec, ChannelChanges, ChannelSpec

from .base import Request, Response, utc

__all__ = ["ChannelCreate", "ChannelOut", "ChannelUpdate"]

Text = Annotated[str, msgspec.Meta(max_length=10_000)]
Name = Annotated[str, msgspec.Meta(max_length=1000, examples=["90s Sitcom Network"])]
Values = Annotated[list[Annotated[str, msgspec.Meta(max_length=500)]],
                   msgspec.Meta(max_length=1000)]
Count = Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31)]
Profile = Annotated[Literal["transcode", "copy"], msgspec.Meta(
    description="How the channel's stream is made: transcode (frame-accurate, seamless) or "
                "copy (remux only, cheapest; uniform libraries); null: the server's "
                "STREAM_PROFILE")]
CatchupDays = Annotated[int, msgspec.Meta(
    ge=0, le=MAX_CATCHUP_DAYS, description="Days of history the channel can be replayed "
                                           "from (catch-up, start-over); 0 turns it off")]


class FilterDto(Request):
    content_type: Literal["movie", "episode", "short"] | None = None
    genres: Values = msgspec.field(default_factory=list)
    decade: Count | None = None
    min_duration_secs: Count | None = None
    max_duration_secs: Count | None = None
    collections: Values = msgspec.field(default_factory=list)
    tags: Values = msgspec.field(default_factory=list)
    series: Values = msgspec.field(default_factory=list)

    def to_domain(self) -> MediaFilter:
        return MediaFilter(
            content_type=ContentType(self.content_type) if self.content_type else None,
            genres=tuple(self.genres), tags=tuple(self.tags),
            collections=tuple(self.collections), series=tuple(self.series),
            decade=self.decade, min_duration_secs=self.min_duration_secs,
            max_duration_secs=self.max_duration_secs)

    @classmethod
    def of(cls, f: MediaFilter) -> FilterDto:
        return cls(content_type=f.content_type.value if f.content_type else None,
                   genres=list(f.genres), decade=f.decade,
                   min_duration_secs=f.min_duration_secs, max_duration_secs=f.max_duration_secs,
                   collections=list(f.collections), tags=list(f.tags), series=list(f.series))


class AlgorithmicDto(Request, tag="algorithmic", tag_field="type"):
    strategy: Literal["best_fit", "sequential", "random"]
    filter: FilterDto = msgspec.field(default_factory=FilterDto)


class ManualDto(Request, tag="manual", tag_field="type"):
    items: Values


Content = AlgorithmicDto | ManualDto


def _content_to_domain(c: Content) -> BlockContent:
    if isinstance(c, ManualDto):
        return ManualContent(items=tuple(MediaItemId(i) for i in c.items))
    try:
        media_filter = c.filter.to_domain()
    except ValidationError as exc:
        raise exc.prefixed("filter") from None
    return AlgorithmicContent(filter=media_filter, strategy=FillStrategy(c.strategy))


def _content_of(c: BlockContent) -> Content:
    if isinstance(c, ManualContent):
        return ManualDto(items=list(c.items))
    return AlgorithmicDto(strategy=c.strategy.value, filter=FilterDto.of(c.filter))


LocalTime = Annotated[str, msgspec.Meta(
    pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", examples=["20:00:00"],
    description="Local wall-clock time in the channel's time zone, HH:MM[:SS]")]


class BlockIn(Request):
    name: Name
    start_time: LocalTime
    duration_mins: Count
    content: Content
    id: uuid.UUID | None = None
    loop_on_finish: bool = True

    def to_spec(self) -> BlockSpec:
        try:
            content = _content_to_domain(self.content)
        except ValidationError as exc:
            raise exc.prefixed("content") from None
        return BlockSpec(id=BlockId(self.id) if self.id else None, name=self.name,
                         start_time=time.fromisoformat(self.start_time),
                         duration_mins=self.duration_mins, content=content,
                         loop_on_finish=self.loop_on_finish)


def _block_specs(blocks: list[BlockIn]) -> list[BlockSpec]:
    """Every block's spec; a ValidationError naming ``schedule_config.blocks[i]...`` paths."""
    specs: list[BlockSpec] = []
    errors: list[FieldError] = []
    for i, b in enumerate(blocks):
        try:
            specs.append(b.to_spec())
        except ValidationError as exc:
            errors.extend(exc.prefixed(f"schedule_config.blocks[{i}]").errors)
    if errors:
        raise ValidationError(errors)
    return specs


class ScheduleConfigIn(Request):
    blocks: Annotated[list[BlockIn], msgspec.Meta(max_length=1000)] = msgspec.field(
        default_factory=list)


class RecyclePolicyDto(Request):
    cooldown_days: Count | None = 7
    cooldown_generations: Count | None = None
    min_available_ratio: float = 0.2

    def to_domain(self) -> RecyclePolicy:
        return RecyclePolicy(cooldown_days=self.cooldown_days,
                             cooldown_generations=self.cooldown_generations,
                             min_available_ratio=self.min_available_ratio)

    @classmethod
    def of(cls, p: RecyclePolicy) -> RecyclePolicyDto:
        return cls(cooldown_days=p.cooldown_days, cooldown_generations=p.cooldown_generations,
                   min_available_ratio=p.min_available_ratio)


def _policy(p: RecyclePolicyDto) -> RecyclePolicy:
    try:
        return p.to_domain()
    except ValidationError as exc:
        raise exc.prefixed("recycle_policy") from None


class ChannelCreate(Request):
    name: Name
    description: Text = ""
    number: Annotated[str, msgspec.Meta(max_length=100, examples=["101"])] | None = None
    timezone: Annotated[str, msgspec.Meta(max_length=200, examples=["America/New_York"])] = "UTC"
    enabled: bool = True
    logo_url: Text | None = None
    schedule_config: ScheduleConfigIn | None = None
    recycle_policy: RecyclePolicyDto | None = None
    stream_profile: Profile | None = None
    catchup_days: CatchupDays = DEFAULT_CATCHUP_DAYS

    def to_spec(self) -> ChannelSpec:
        blocks = self.schedule_config.blocks if self.schedule_config else []
        return ChannelSpec(
            name=self.name, description=self.description, number=self.number,
            timezone=self.timezone, enabled=self.enabled, logo_url=self.logo_url,
            blocks=_block_specs(blocks),
            recycle_policy=_policy(self.recycle_policy) if self.recycle_policy else None,
            stream_profile=self.stream_profile, catchup_days=self.catchup_days)


class ChannelUpdate(Request):
    """A partial update: fields left out keep their value."""

    name: Name | UnsetType = UNSET
    description: Text | UnsetType = UNSET
    number: Annotated[str, msgspec.Meta(max_length=100)] | UnsetType = UNSET
    timezone: Annotated[str, msgspec.Meta(max_length=200)] | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET
    #: null removes the logo.
    logo_url: Text | UnsetType | None = UNSET
    schedule_config: ScheduleConfigIn | UnsetType = UNSET
    #: null restores the default policy.
    recycle_policy: RecyclePolicyDto | UnsetType | None = UNSET
    #: null returns to the server's default profile.
    stream_profile: Profile | UnsetType | None = UNSET
    catchup_days: CatchupDays | UnsetType = UNSET

    def to_changes(self) -> ChannelChanges:
        policy, config = self.recycle_policy, self.schedule_config
        return ChannelChanges(
            name=KEEP if isinstance(self.name, UnsetType) else self.name,
            description=KEEP if isinstance(self.description, UnsetType) else self.description,
            number=KEEP if isinstance(self.number, UnsetType) else self.number,
            timezone=KEEP if isinstance(self.timezone, UnsetType) else self.timezone,
            enabled=KEEP if isinstance(self.enabled, UnsetType) else self.enabled,
            logo_url=KEEP if isinstance(self.logo_url, UnsetType) else self.logo_url,
            blocks=KEEP if isinstance(config, UnsetType) else _block_specs(config.blocks),
            recycle_policy=(KEEP if isinstance(policy, UnsetType)
                            else None if policy is None else _policy(policy)),
            stream_profile=(KEEP if isinstance(self.stream_profile, UnsetType)
                            else self.stream_profile),
            catchup_days=(KEEP if isinstance(self.catchup_days, UnsetType)
                          else self.catchup_days))


class BlockOut(Response):
    id: uuid.UUID
    name: str
    start_time: LocalTime
    duration_mins: int
    content: Content
    loop_on_finish: bool

    @classmethod
    def of(cls, b: ProgrammingBlock) -> BlockOut:
        return cls(id=b.id, name=b.name, start_time=b.start_time.isoformat("seconds"),
                   duration_mins=b.duration_mins,
                   content=_content_of(b.content), loop_on_finish=b.loop_on_finish)


class ScheduleConfigOut(Response):
    blocks: list[BlockOut]


class ChannelOut(Response):
    id: uuid.UUID
    name: str
    description: str
    number: str
    timezone: str
    enabled: bool
    logo_url: str | None
    schedule_config: ScheduleConfigOut
    recycle_policy: RecyclePolicyDto
    stream_profile: Profile | None
    catchup_days: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, ch: Channel) -> ChannelOut:
        return cls(id=ch.id, name=ch.name, description=ch.description, number=ch.number,
                   timezone=ch.timezone, enabled=ch.enabled, logo_url=ch.logo_url,
                   schedule_config=ScheduleConfigOut(
                       blocks=[BlockOut.of(b) for b in ch.schedule_config.blocks]),
                   recycle_policy=RecyclePolicyDto.of(ch.recycle_policy),
                   stream_profile=ch.stream_profile,  # type: ignore[arg-type]
                   catchup_days=ch.catchup_days,
                   created_at=utc(ch.created_at), updated_at=utc(ch.updated_at))
