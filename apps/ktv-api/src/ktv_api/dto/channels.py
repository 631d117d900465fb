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
from ktv_domain.schedule_config import MAX_BLOCKS, MAX_MANUAL_ITEMS
from ktv_domain.services import UNSET as KEEP
from ktv_domain.services import BlockSpec, ChannelChanges, ChannelSpec

from .base import Request, Response, utc
from .rules import HTTP_URL_PATTERN, NOT_BLANK, UUID_PATTERN, meta

MAX_NAME = 200
MAX_DESCRIPTION = 5000
MAX_FILTER_VALUES = 100

__all__ = ["ChannelCreate", "ChannelOut", "ChannelUpdate"]

Description = Annotated[str, msgspec.Meta(max_length=MAX_DESCRIPTION)]
Name = Annotated[str, msgspec.Meta(
    min_length=1, max_length=MAX_NAME, pattern=NOT_BLANK, examples=["90s Sitcom Network"],
    description=f"1..{MAX_NAME} characters, not only white space")]
Number = Annotated[str, msgspec.Meta(
    pattern=r"^[1-9][0-9]{0,4}(\.[0-9]{1,3})?\Z", examples=["101", "101.1"],
    description="A channel number like 101 or 101.1; unique among the owner's channels "
                "(409 when taken)")]
TimeZone = Annotated[str, msgspec.Meta(
    min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*\Z",
    examples=["America/New_York"],
    description="An IANA time zone name that exists on the server (e.g. Europe/London); "
                "an unknown name is a 422 naming `timezone`")]
LogoUrl = Annotated[str, meta(
    format="uri", max_length=2048, pattern=HTTP_URL_PATTERN,
    examples=["https://example.com/logo.png"], description="An absolute http(s) URL")]
#: A filter value: matched case-insensitively (collections: exactly, they are ids).
FilterValue = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=NOT_BLANK)]
Values = Annotated[list[FilterValue], msgspec.Meta(max_length=MAX_FILTER_VALUES)]
ItemId = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Duration = Annotated[int, msgspec.Meta(ge=0, le=2**31)]
Profile = Annotated[Literal["transcode", "copy"], msgspec.Meta(
    description="How the channel's stream is made: transcode (frame-accurate, seamless) or "
                "copy (remux only, cheapest; uniform libraries); null: the server's "
                "STREAM_PROFILE")]
CatchupDays = Annotated[int, msgspec.Meta(
    ge=0, le=MAX_CATCHUP_DAYS, description="Days of history the channel can be replayed "
                                           "from (catch-up, start-over); 0 turns it off")]


class FilterDto(Request):
    """Each list means "any of"; an empty list means no constraint. ``min_duration_secs``
    must not exceed ``max_duration_secs`` (a 422 naming ``min_duration_secs``)."""

    content_type: Literal["movie", "episode", "short"] | None = None
    genres: Values = msgspec.field(default_factory=list)
    decade: Annotated[int, msgspec.Meta(
        ge=1800, le=2200, multiple_of=10, description="1990 means 1990..1999")] | None = None
    min_duration_secs: Duration | None = None
    max_duration_secs: Duration | None = None
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
    items: Annotated[list[ItemId], msgspec.Meta(min_length=1, max_length=MAX_MANUAL_ITEMS,
                                                description="Library item ids, played in order")]


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
    pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?\Z", examples=["20:00:00"],
    description="Local wall-clock time in the channel's time zone, HH:MM[:SS]")]
LocalTimeOut = Annotated[str, msgspec.Meta(
    pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\Z", examples=["20:00:00"],
    description="Local wall-clock time in the channel's time zone, HH:MM:SS")]


class BlockIn(Request):
    """A daily window of the channel's local time. Blocks of a channel must not overlap in
    the daily cycle (also across midnight) and their ids must differ: a 422 names the
    block (``schedule_config.blocks[i]``)."""

    name: Name
    start_time: LocalTime
    duration_mins: Annotated[int, msgspec.Meta(ge=1, le=1440, description="1..1440 minutes")]
    content: Content
    id: Annotated[str, meta(format="uuid", pattern=UUID_PATTERN, description=(
        "Keep a block's id when sending it back; a new block gets one"))] | None = None
    loop_on_finish: bool = True

    def to_spec(self) -> BlockSpec:
        try:
            content = _content_to_domain(self.content)
        except ValidationError as exc:
            raise exc.prefixed("content") from None
        return BlockSpec(id=BlockId(uuid.UUID(self.id)) if self.id else None, name=self.name,
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
    blocks: Annotated[list[BlockIn], msgspec.Meta(max_length=MAX_BLOCKS)] = msgspec.field(
        default_factory=list)


class RecyclePolicyDto(Request):
    """When an aired item may air again (best_fit and random blocks)."""

    cooldown_days: Annotated[int, msgspec.Meta(ge=0, le=3650)] | None = 7
    cooldown_generations: Annotated[int, msgspec.Meta(ge=0, le=10_000)] | None = None
    min_available_ratio: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] = 0.2

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
    """``number`` is assigned when absent or null."""

    name: Name
    description: Description = ""
    number: Number | None = None
    timezone: TimeZone = "UTC"
    enabled: bool = True
    logo_url: LogoUrl | None = None
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
    description: Description | UnsetType = UNSET
    number: Number | UnsetType = UNSET
    timezone: TimeZone | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET
    #: null removes the logo.
    logo_url: LogoUrl | UnsetType | None = UNSET
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
    start_time: LocalTimeOut
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
