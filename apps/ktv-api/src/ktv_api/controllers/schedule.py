"""``/channels/{id}/...``: generate, the active schedule, now, EPG, stream."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, MediaType, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect

from ktv_domain import ChannelId, MediaSourceNotConfigured
from ktv_domain.services import validate_window

from ..dto.schedule import ActiveScheduleOut, EpgSlotOut, GenerationOut, NowOut, SlotOut
from ..problems import problem_responses
from ..state import CurrentUser, KtvDep, provide_user
from .auth import BEARER

__all__ = ["ScheduleController"]

_GAP = ResponseSpec(None, description="No signal: the channel is in a gap between blocks")
OFFSET_HEADER = "X-KTV-Offset-Secs"
_READ = problem_responses(400, 401, 404)


class ScheduleController(Controller):
    path = "/channels/{channel_id:uuid}"
    tags = ["schedule"]
    security = BEARER
    dependencies = {"user": Provide(provide_user)}

    @post("/schedule", summary="Generate a fresh schedule from now", status_code=201,
          responses=problem_responses(400, 401, 404, 409, 422, 503))
    async def generate(
        self,
        channel_id: FromPath[UUID],
        user: CurrentUser,
        ktv: KtvDep) -> GenerationOut:
        """Future slots are replaced; what is on air is never cut. 503 without a media
        source."""
        schedule = await ktv.schedules.generate(user.id, ChannelId(channel_id))
        ktv.metrics.generations.labels("api").inc()
        await ktv.onair.refresh(ChannelId(channel_id))
        return GenerationOut.of(schedule)

    @get("/schedule", summary="The active schedule: from the slot on air to the end",
         responses=_READ)
    async def active(
        self,
        channel_id: FromPath[UUID],
        user: CurrentUser,
        ktv: KtvDep) -> ActiveScheduleOut:
        """Slots across generations, with ``generation`` the newest; before the first
        generation, ``generation`` is 0, ``valid_until`` null and ``slots`` empty."""
        cov = await ktv.onair.coverage(user.id, ChannelId(channel_id))
        if cov.generation == 0 or cov.valid_until is None:
            return ActiveScheduleOut(channel_id=channel_id, generation=0, valid_until=None,
                                     slots=[])
        now = ktv.clock.now()
        return ActiveScheduleOut(
            channel_id=channel_id, generation=cov.generation, valid_until=cov.valid_until,
            slots=[SlotOut.of(s) for s in cov.view.window(now, cov.valid_until)])

    @get("/now", summary="What is on air now", responses={**_READ, 204: _GAP})
    async def now(
        self,
        channel_id: FromPath[UUID],
        user: CurrentUser,
        ktv: KtvDep) -> Response[NowOut | None]:
        cov = await ktv.onair.coverage(user.id, ChannelId(channel_id))
        playing = cov.view.now(ktv.clock.now())
        if playing is None:
            return Response(None, status_code=204)
        return Response(NowOut.of(playing))

    @get("/epg", summary="Slots overlapping a window (at most 14 days)",
         responses=problem_responses(400, 401, 404, 422, 503))
    async def epg(
        self, channel_id: FromPath[UUID], user: CurrentUser, ktv: KtvDep,
        start: Annotated[datetime | None, QueryParameter(
            name="from", description="RFC 3339 date-time with an offset "
            "(2026-11-21T20:00:00Z); default: now")] = None,
        until: Annotated[datetime | None, QueryParameter(
            description="RFC 3339 date-time with an offset; default: `from` + 24 h. Must be "
            "after `from`, at most 14 days later (else a 422 naming `until`)")] = None,
    ) -> list[EpgSlotOut]:
        """Each slot carries ``catchup_url`` when it can be replayed (see the schema)."""
        now = ktv.clock.now()
        start = start or now
        if until is None:
            try:
                until = start + timedelta(hours=24)
            except OverflowError:  # the last day of year 9999: up to its end
                until = datetime.max.replace(tzinfo=start.tzinfo)
        _reject_naive(start=start, until=until)
        validate_window(start, until)
        start, until = _utc(start), _utc(until)
        cov = await ktv.onair.coverage(user.id, ChannelId(channel_id))
        if until <= start:  # both at an end of the calendar, where nothing is on air
            return []
        slots = cov.window(start, until)
        if slots is None:  # before what memory holds: ask the database
            slots = await ktv.schedules.epg(user.id, ChannelId(channel_id), start, until)
        return [EpgSlotOut.for_guide(s, cov.catchup_days, now) for s in slots]

    @get("/stream", summary="307 to a playable URL for the item on air", status_code=307,
         media_type=MediaType.TEXT, response_description="Redirect to the playable URL",
         response_headers=[
             ResponseHeader(name="Location", value="https://media.example/v/1#t=12.500",
                            documentation_only=True, required=True,
                            description="The playable URL, with a #t=<secs> media fragment"),
             ResponseHeader(name=OFFSET_HEADER, value="12.500", documentation_only=True,
                            required=True, description="Seconds into the item on air")],
         responses={**problem_responses(400, 401, 404, 503), 204: _GAP})
    async def stream(
        self,
        channel_id: FromPath[UUID],
        user: CurrentUser,
        ktv: KtvDep) -> Response[Any]:
        """The offset into the item is in the ``X-KTV-Offset-Secs`` header and in the
        URL's media fragment (``#t=<secs>``)."""
        cov = await ktv.onair.coverage(user.id, ChannelId(channel_id))
        playing = cov.view.now(ktv.clock.now())
        if playing is None:
            return Response(None, status_code=204)
        if ktv.media is None:
            raise MediaSourceNotConfigured()
        source = await ktv.media.playable_source(playing.slot.item.id)
        offset = f"{playing.offset_secs:.3f}"
        return Redirect(f"{source.url}#t={offset}", status_code=307,
                        headers={OFFSET_HEADER: offset, "Cache-Control": "no-store"})


#: Schedules live well inside these; a window beyond them is cut to them (no overflow).
_FIRST = datetime(1, 1, 3, tzinfo=UTC)
_LAST = datetime(9999, 12, 29, tzinfo=UTC)


def _utc(value: datetime) -> datetime:
    """``value`` in UTC, clamped to [_FIRST, _LAST] (year 1 at +01:00 has no UTC time)."""
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        return _FIRST if value.year == 1 else _LAST
    return min(max(in_utc, _FIRST), _LAST)


def _reject_naive(**values: datetime) -> None:
    naive = [name for name, v in values.items() if v.utcoffset() is None]
    if naive:
        raise ValidationException(
            "datetimes need a UTC offset (RFC 3339, e.g. 2026-11-21T20:00:00Z)",
            extra=[{"key": n if n != "start" else "from", "message": "missing UTC offset",
                    "source": "query"} for n in naive])
