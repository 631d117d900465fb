"""Continuous channel streams (MPEG-TS) and the running sessions.

* ``/iptv/{token}/stream/{number}.ts`` and its HDHomeRun alias
  ``/iptv/{token}/hdhr/auto/v{number}`` (feed token: IPTV players, Jellyfin, Plex);
* ``/api/v1/channels/{id}/live.ts`` (Bearer: the SPA);
* ``GET /api/v1/streams`` and ``DELETE /api/v1/streams/{channel_id}``.

A stream never ends while the channel exists; unknown query parameters
(``transcode=`` from Jellyfin, Plex's additions) are ignored. ``HEAD`` answers
the headers and starts nothing.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Final

import msgspec
from litestar import Controller, HttpMethod, Request, Response, delete, get, route
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream
from litestar.response.base import ASGIResponse

from ktv_domain import Channel, ChannelId, Forbidden, NotFound
from ktv_streaming import SessionInfo, Viewer

from ..problems import problem_responses
from ..state import CurrentUser, FeedUser, Ktv, KtvDep, provide_feed_user, provide_user
from .auth import BEARER

__all__ = ["IptvStreamController", "LiveController", "StreamsController"]

TS_MEDIA_TYPE: Final = "video/mp2t"
LinkExp = Annotated[str | None, QueryParameter(
    description="Expiry of a signed link (Unix seconds); with `sig`, replaces the token")]
LinkSig = Annotated[str | None, QueryParameter(description="A signed link's signature")]
Utc = Annotated[int | None, QueryParameter(
    description="Replay the channel as it aired from this instant (Unix seconds), inside its "
                "catch-up window (404 for the future or with catch-up off, 410 before the "
                "window or when the item left the library)", ge=1, le=2**40)]
_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class _TsStream(Stream):
    """A Stream whose own media type wins over the route's."""

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> ASGIResponse:
        kwargs["media_type"] = self.media_type
        return super().to_asgi_response(*args, **kwargs)


def _number_of(name: str, *, prefix: str = "", suffix: str = "") -> str:
    if not (name.startswith(prefix) and name.endswith(suffix)):
        raise NotFound("channel not found")
    return name[len(prefix):len(name) - len(suffix) if suffix else None]


async def _serve(request: Request[Any, Any, Any], ktv: Ktv, channel: Channel,
                 utc: int | None = None) -> Response[Any]:
    origin = None if utc is None else await ktv.streams.replay_origin(channel, utc)
    if request.method == HttpMethod.HEAD:
        return Response(b"", media_type=TS_MEDIA_TYPE, headers=_HEADERS)
    started = time.perf_counter()
    viewer = await ktv.streams.watch(channel, origin)
    return _TsStream(_relay(viewer, ktv, started), media_type=TS_MEDIA_TYPE, headers=_HEADERS)


#: A viewer's bytes are written at most this often, gathered: a chunk is about one frame,
#: and a write per frame per viewer is what made 20 viewers cost 2.5x one (bench_streams).
RELAY_GATHER_SECS: Final = 0.1
RELAY_MAX_BYTES: Final = 1024 * 1024


async def _relay(viewer: Viewer, ktv: Ktv, started: float) -> AsyncIterator[bytes]:
    first = True
    try:
        while (data := await viewer.next(RELAY_MAX_BYTES)) is not None:
            if first:
                ktv.metrics.stream_tunein.observe(time.perf_counter() - started)
                first = False
            yield data
            await asyncio.sleep(RELAY_GATHER_SECS)
    finally:
        viewer.close("left")


_TS_HEADERS = [ResponseHeader(name="Cache-Control", value="no-store", documentation_only=True)]
_TS_DESCRIPTION = "An endless MPEG transport stream"


class IptvStreamController(Controller):
    """The feed-token stream routes (outside ``/api/v1``)."""

    path = "/iptv/{token:str}"
    tags = ["iptv"]
    dependencies = {"user": Provide(provide_feed_user)}

    @route("/stream/{name:str}", http_method=[HttpMethod.GET, HttpMethod.HEAD],
           summary="A channel's continuous stream, by number (`101.ts`; feed token)",
           media_type=TS_MEDIA_TYPE, response_description=_TS_DESCRIPTION,
           response_headers=_TS_HEADERS, responses=problem_responses(400, 404, 410, 429, 503))
    async def stream(self, request: Request[Any, Any, Any], name: FromPath[str],
                     user: FeedUser, ktv: KtvDep, utc: Utc = None) -> Response[Any]:
        """``?utc=`` (what IPTV players append for catch-up) replays it as it aired."""
        channel = await ktv.streams.channel_by_number(user.id, _number_of(name, suffix=".ts"))
        return await _serve(request, ktv, channel, utc)

    @route("/hdhr/auto/{name:str}", http_method=[HttpMethod.GET, HttpMethod.HEAD],
           summary="HDHomeRun tuner alias of a channel's stream (`v101`)",
           media_type=TS_MEDIA_TYPE, response_description=_TS_DESCRIPTION,
           response_headers=_TS_HEADERS, responses=problem_responses(400, 404, 410, 429, 503))
    async def hdhr(self, request: Request[Any, Any, Any], name: FromPath[str],
                   user: FeedUser, ktv: KtvDep) -> Response[Any]:
        channel = await ktv.streams.channel_by_number(user.id, _number_of(name, prefix="v"))
        return await _serve(request, ktv, channel)


class LiveController(Controller):
    path = "/channels/{channel_id:uuid}"
    tags = ["streams"]
    #: A Bearer token, or the signed link the Bearer M3U/XMLTV hand to players.
    security = [*BEARER, {}]

    @route("/live.ts", http_method=[HttpMethod.GET, HttpMethod.HEAD],
           summary="The channel's continuous stream (MPEG-TS)",
           media_type=TS_MEDIA_TYPE, response_description=_TS_DESCRIPTION,
           response_headers=_TS_HEADERS,
           responses=problem_responses(400, 401, 403, 404, 410, 503))
    async def live(self, request: Request[Any, Any, Any], channel_id: FromPath[uuid.UUID],
                   ktv: KtvDep, utc: Utc = None, exp: LinkExp = None,
                   sig: LinkSig = None) -> Response[Any]:
        """Tunes in at the second the guide is at; shared by every viewer of the channel.
        ``?utc=`` replays it as it aired from that instant. Unknown query parameters are
        ignored. Without a Bearer token, ``exp`` and ``sig`` (a signed link from
        ``/api/v1/iptv/channels.m3u``) are the credential: 403 when invalid or expired."""
        cid = ChannelId(channel_id)
        if exp is not None or sig is not None:
            if not ktv.channel_links.verify_live(cid, exp, sig):
                raise Forbidden("invalid or expired link")
            channel = await ktv.streams.channel_by_link(cid)
        else:
            user = await provide_user(request, ktv)
            channel = await ktv.streams.channel_by_id(user.id, cid)
        return await _serve(request, ktv, channel, utc)


class StreamOut(msgspec.Struct, kw_only=True):
    channel_id: uuid.UUID
    channel_number: str
    channel_name: str
    profile: str
    #: Seconds behind the wall clock (a time-shifted session); 0: live.
    delay_secs: float
    viewers: int
    on_air: str
    item_id: str | None
    title: str | None
    offset_secs: float | None
    failure: str | None
    uptime_secs: float
    restarts: int
    #: Content produced per second of waiting for ffmpeg (below 1: slower than real time).
    speed: float | None
    bytes_out: int

    @classmethod
    def of(cls, s: SessionInfo) -> StreamOut:
        return cls(channel_id=s.channel_id, channel_number=s.channel_number,
                   channel_name=s.channel_name, profile=s.profile, delay_secs=s.delay_secs,
                   viewers=s.viewers, on_air=s.on_air, item_id=s.item_id, title=s.title,
                   offset_secs=None if s.offset_secs is None else round(s.offset_secs, 3),
                   failure=s.failure, uptime_secs=round(s.uptime_secs, 3),
                   restarts=s.restarts,
                   speed=None if s.speed is None else round(s.speed, 2), bytes_out=s.bytes_out)


class StreamsController(Controller):
    path = "/streams"
    tags = ["streams"]
    security = BEARER
    dependencies = {"user": Provide(provide_user)}

    @get("/", summary="Running channel sessions (admins: all; others: their own)",
         responses=problem_responses(401))
    async def list_streams(self, user: CurrentUser, ktv: KtvDep) -> list[StreamOut]:
        sessions = ktv.streams.manager.sessions(None if user.is_admin else user.id)
        return [StreamOut.of(s) for s in sessions]

    @delete("/{channel_id:uuid}", summary="Stop a channel's sessions (viewers are cut off)",
            responses=problem_responses(401, 404))
    async def stop(self, channel_id: FromPath[uuid.UUID], user: CurrentUser,
                   ktv: KtvDep) -> None:
        """204 when sessions were stopped; 404 when none runs that the caller may stop."""
        sessions = [s for s in ktv.streams.manager.sessions(None if user.is_admin else user.id)
                    if s.channel_id == channel_id]
        if not sessions:
            raise NotFound("no stream session of this channel is running")
        await ktv.streams.manager.stop(ChannelId(channel_id))
