"""HLS: live, time-shifted and start-over playlists of a channel, programmes as VOD.

Playlists need the caller's credential (Bearer under ``/api/v1/channels/{id}/hls/``,
the feed token under ``/iptv/{token}/hls/{number}/``); the segment URLs inside
are signed, expiring links (``/api/v1/hls/...?exp=&sig=``), so a browser needs
no header after the playlist. Live and time-shifted playlists come from the
channel's session (the same pipeline as its MPEG-TS viewers); a programme's
VOD segments are transcoded when asked.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Annotated, Any, Final

import anyio
from litestar import Controller, Response, get
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect

from ktv_domain import Channel, ChannelId, Forbidden, NotFound
from ktv_streaming import HLS_MEDIA_TYPE, Segment, StreamingError, VodPart, vod_playlist

from ..problems import problem_responses
from ..state import CurrentUser, FeedUser, Ktv, KtvDep, provide_feed_user, provide_user
from .auth import BEARER

__all__ = ["HlsSegmentController", "IptvHlsController", "LiveHlsController"]

#: How long the first playlist request of an idle channel waits for a segment.
FIRST_SEGMENT_TIMEOUT: Final = 15.0
#: How long a segment link in a playlist stays valid.
SEGMENT_LINK_TTL: Final = timedelta(hours=2)
_NO_STORE = {"Cache-Control": "no-store"}
_TS = "video/mp2t"
_NO_STORE_DOC = [ResponseHeader(name="Cache-Control", value="no-store", documentation_only=True)]
_UTC = Annotated[int | None, QueryParameter(
    description="Replay the channel as it aired from this instant (Unix seconds), inside its "
                "catch-up window; 404 for the future or with catch-up off, 410 before the "
                "window or when the item left the library", ge=1, le=2**40)]
_SLOT = Annotated[uuid.UUID | None, QueryParameter(
    description="The programme to start over (a slot id from `/now` or `/epg`): the "
                "playlist stays on it after the programme on air has changed. Without it, "
                "a 302 to this URL with the programme on air pinned.")]
_PINNED = {302: ResponseSpec(None, description="Redirect to this playlist with `?slot=` "
                                               "pinning the programme on air")}
_INVALID_LINK = "invalid or expired link"


def _strip(name: str, suffix: str) -> str:
    if not name.endswith(suffix) or len(name) == len(suffix):
        raise NotFound("no such playlist or segment")
    return name[: -len(suffix)]


async def _live(ktv: Ktv, channel: Channel, utc: int | None) -> Response[str]:
    origin = None if utc is None else await ktv.streams.replay_origin(channel, utc)
    return await _session_playlist(ktv, channel, origin)


async def _session_playlist(ktv: Ktv, channel: Channel, origin: Any) -> Response[str]:
    session_id, segmenter = await ktv.streams.hls(channel, origin)
    try:
        async with asyncio.timeout(FIRST_SEGMENT_TIMEOUT):
            await segmenter.ready.wait()
    except TimeoutError:
        raise StreamingError("the channel's stream did not start in time") from None
    links = ktv.hls_links

    def url(seg: Segment) -> str:
        return links.url(f"/api/v1/hls/{session_id}/{seg.seq}.ts", valid_for=SEGMENT_LINK_TTL)

    return Response(segmenter.playlist(url), media_type=HLS_MEDIA_TYPE, headers=_NO_STORE)


async def _start_over(ktv: Ktv, channel: Channel, slot_id: uuid.UUID | None) -> Response[Any]:
    """Players reload a live playlist every few seconds: "the programme on air" would
    change under them at its end, so the programme is pinned in the URL (``?slot=``)
    by a redirect, which players (hls.js, AVPlayer) keep reloading."""
    if slot_id is None:
        slot = await ktv.streams.start_over_origin(channel)
        # Relative, so it holds behind a proxy that serves K-TV under a path prefix.
        return Redirect(f"startover.m3u8?slot={slot.id}", status_code=302,
                        headers=_NO_STORE, media_type="text/plain")
    slot = await ktv.streams.start_over_slot(channel, slot_id)
    return await _session_playlist(ktv, channel, slot.start_at)


async def _programme(ktv: Ktv, channel: Channel, name: str) -> Response[str]:
    try:
        slot_id = uuid.UUID(_strip(name, ".m3u8"))
    except ValueError:
        raise NotFound("no such programme on this channel") from None
    slot = await ktv.streams.programme(channel, slot_id)
    links = ktv.hls_links

    def url(part: VodPart) -> str:
        return links.url(f"/api/v1/hls/vod/{channel.id}/{slot.id}/{part.index}.ts",
                         valid_for=SEGMENT_LINK_TTL)

    return Response(vod_playlist(slot, url), media_type=HLS_MEDIA_TYPE, headers=_NO_STORE)


class LiveHlsController(Controller):
    """Bearer twins of the playlists (for the SPA and the built-in player)."""

    path = "/channels/{channel_id:uuid}/hls"
    tags = ["streams"]
    security = BEARER
    dependencies = {"user": Provide(provide_user)}

    @get("/live.m3u8", summary="Live HLS playlist (or time-shifted with ?utc=)",
         responses=problem_responses(400, 401, 404, 410, 503),
         media_type=HLS_MEDIA_TYPE, response_headers=_NO_STORE_DOC)
    async def live(self, channel_id: FromPath[uuid.UUID], user: CurrentUser, ktv: KtvDep,
                   utc: _UTC = None) -> Response[str]:
        """The first request of an idle channel starts it and answers once a segment is
        ready (in well under a second). Segment links are signed."""
        channel = await ktv.streams.channel_by_id(user.id, ChannelId(channel_id))
        return await _live(ktv, channel, utc)

    @get("/startover.m3u8", summary="The programme on air, from its start",
         responses={**_PINNED, **problem_responses(400, 401, 404, 410, 503)},
         media_type=HLS_MEDIA_TYPE, response_headers=_NO_STORE_DOC)
    async def start_over(self, channel_id: FromPath[uuid.UUID], user: CurrentUser, ktv: KtvDep,
                         slot: _SLOT = None) -> Response[Any]:
        """A time-shifted session from the start of the programme on air (shared by every
        viewer of that programme); the playlist starts players at its beginning. The
        first request is redirected to the URL that pins the programme (``?slot=``)."""
        channel = await ktv.streams.channel_by_id(user.id, ChannelId(channel_id))
        return await _start_over(ktv, channel, slot)

    @get("/programme/{name:str}", summary="A past programme as VOD (`{slot_id}.m3u8`)",
         responses=problem_responses(401, 404, 410),
         media_type=HLS_MEDIA_TYPE, response_headers=_NO_STORE_DOC)
    async def programme(self, channel_id: FromPath[uuid.UUID], name: FromPath[str],
                        user: CurrentUser, ktv: KtvDep) -> Response[str]:
        """Seekable, with ``#EXT-X-ENDLIST``; each segment is made when fetched."""
        channel = await ktv.streams.channel_by_id(user.id, ChannelId(channel_id))
        return await _programme(ktv, channel, name)


class IptvHlsController(Controller):
    """The same playlists for IPTV players (feed token, channel by number)."""

    path = "/iptv/{token:str}/hls/{number:str}"
    tags = ["iptv"]
    dependencies = {"user": Provide(provide_feed_user)}

    @get("/live.m3u8", summary="Live HLS playlist (or time-shifted with ?utc=; feed token)",
         responses=problem_responses(400, 404, 410, 429, 503),
         media_type=HLS_MEDIA_TYPE, response_headers=_NO_STORE_DOC)
    async def live(self, number: FromPath[str], user: FeedUser, ktv: KtvDep,
                   utc: _UTC = None) -> Response[str]:
        channel = await ktv.streams.channel_by_number(user.id, number)
        return await _live(ktv, channel, utc)

    @get("/startover.m3u8", summary="The programme on air from its start (feed token)",
         responses={**_PINNED, **problem_responses(400, 404, 410, 429, 503)},
         media_type=HLS_MEDIA_TYPE, response_headers=_NO_STORE_DOC)
    async def start_over(self, number: FromPath[str], user: FeedUser, ktv: KtvDep,
                         slot: _SLOT = None) -> Response[Any]:
        channel = await ktv.streams.channel_by_number(user.id, number)
        return await _start_over(ktv, channel, slot)

    @get("/programme/{name:str}", summary="A past programme as VOD (feed token)",
         responses=problem_responses(404, 410, 429),
         media_type=HLS_MEDIA_TYPE, response_headers=_NO_STORE_DOC)
    async def programme(self, number: FromPath[str], name: FromPath[str], user: FeedUser,
                        ktv: KtvDep) -> Response[str]:
        channel = await ktv.streams.channel_by_number(user.id, number)
        return await _programme(ktv, channel, name)


class HlsSegmentController(Controller):
    """Segments, through the signed links the playlists hold (no header needed)."""

    path = "/hls"
    tags = ["streams"]

    @get("/{session_id:str}/{name:str}", summary="A live or time-shifted segment",
         media_type=_TS, responses=problem_responses(403, 404))
    async def segment(
        self, session_id: FromPath[str], name: FromPath[str], ktv: KtvDep,
        exp: Annotated[str | None, QueryParameter(description="Expiry of the link")] = None,
        sig: Annotated[str | None, QueryParameter(description="Signature")] = None,
    ) -> Response[bytes]:
        """404 once the segment has left the live window or its session stopped."""
        if not ktv.hls_links.verify(f"/api/v1/hls/{session_id}/{name}", exp, sig):
            raise Forbidden(_INVALID_LINK)
        try:
            seq = int(_strip(name, ".ts"))
        except ValueError:
            raise NotFound("no such segment") from None
        found = ktv.streams.manager.by_id(session_id)
        seg = found[2].segment(seq) if found is not None else None
        if seg is None or seg.path is None:
            raise NotFound("no such segment (it left the live window, or the session ended)")
        try:
            data = await anyio.Path(seg.path).read_bytes()
        except OSError:
            raise NotFound("no such segment (it left the live window)") from None
        return Response(data, media_type=_TS, headers={"Cache-Control": "private, max-age=600"})

    @get("/vod/{channel_id:uuid}/{slot_id:uuid}/{name:str}", summary="A programme's segment",
         media_type=_TS, responses=problem_responses(403, 404, 503))
    async def vod_segment(
        self, channel_id: FromPath[uuid.UUID], slot_id: FromPath[uuid.UUID],
        name: FromPath[str], ktv: KtvDep,
        exp: Annotated[str | None, QueryParameter(description="Expiry of the link")] = None,
        sig: Annotated[str | None, QueryParameter(description="Signature")] = None,
    ) -> Response[bytes]:
        """Transcoded when fetched: a keyframe first, timestamps = when it aired."""
        if not ktv.hls_links.verify(f"/api/v1/hls/vod/{channel_id}/{slot_id}/{name}",
                                    exp, sig):
            raise Forbidden(_INVALID_LINK)
        try:
            index = int(_strip(name, ".ts"))
        except ValueError:
            raise NotFound("no such segment") from None
        channel, slot = await ktv.streams.vod_target(ChannelId(channel_id), slot_id)
        try:
            data = await ktv.streams.manager.vod_segment(channel, slot, index)
        except IndexError:
            raise NotFound("no such segment") from None
        return Response(data, media_type=_TS, headers={"Cache-Control": "private, max-age=3600"})
