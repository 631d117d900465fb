"""The IPTV routes: feed-token documents under ``/iptv/{token}/``, Bearer twins under
``/api/v1/iptv/``.

Feed-token routes (``provide_feed_user``: an unknown or revoked token is the same
404 as an unknown route): ``channels.m3u``, ``xmltv.xml``,
``logos/{number}.png`` and the HDHomeRun documents under ``hdhr/``. The streams
they point at (``stream/{number}.ts``, ``hdhr/auto/v{number}``) are served by
the streaming routes, not here.
"""

from __future__ import annotations

import gzip
import re
import uuid
from typing import Annotated, Any

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter

from ktv_domain import ChannelId, UserId
from ktv_iptv import (
    M3U_CONTENT_TYPE,
    XMLTV_CONTENT_TYPE,
    device_xml,
    discover,
    lineup,
    lineup_status,
    render_logo,
)

from ..controllers.auth import BEARER
from ..problems import problem_responses
from ..state import CurrentUser, FeedUser, Ktv, KtvDep, provide_feed_user, provide_user
from .http import conditional, etag_of
from .outputs import FeedLinks, Links, SignedLinks

__all__ = ["BearerIptvController", "FeedController", "absolute_base"]

_NUMBER_PNG = re.compile(r"([1-9][0-9]{0,4}(?:\.[0-9]{1,3})?)\.png")
_UUID_PNG = re.compile(r"([0-9a-fA-F-]{32,36})\.png")
_NOT_MODIFIED = ResponseSpec(None, description="Not modified (`If-None-Match` matched)")
_PNG = "image/png"
_LOGO_CACHE = "private, max-age=86400"


def absolute_base(request: Request[Any, Any, Any], ktv: Ktv) -> str:
    """``PUBLIC_BASE_URL``, else this request's base (proxy headers honoured only from
    ``FORWARDED_ALLOW_IPS``, see :mod:`ktv_api.forwarded`), without a trailing slash."""
    return ktv.settings.public_base_url or str(request.base_url).rstrip("/")


async def _m3u(request: Request[Any, Any, Any], ktv: Ktv, owner: UserId,
               links: Links) -> Response[bytes]:
    channels = await ktv.iptv.channels(owner)
    body = ktv.iptv.m3u(channels, links).encode()

    async def plain() -> bytes:
        return body

    async def gz() -> bytes:
        return gzip.compress(body, 6, mtime=0)

    return await conditional(request, etag=etag_of(body), media_type=M3U_CONTENT_TYPE,
                             body=plain, gzipped=gz)


async def _xmltv(request: Request[Any, Any, Any], ktv: Ktv, owner: UserId,
                 links: Links) -> Response[bytes]:
    guide = ktv.iptv.guide
    channels = await ktv.iptv.channels(owner)
    plan = await guide.plan(owner, channels, links.logo, generator_url=links.base)

    async def plain() -> bytes:
        return (await guide.render(plan)).body

    async def gz() -> bytes:
        return await (await guide.render(plan)).gzipped(anyio.to_thread.run_sync)

    return await conditional(request, etag=plan.etag, media_type=XMLTV_CONTENT_TYPE,
                             body=plain, gzipped=gz)


async def _logo(request: Request[Any, Any, Any], number: str, name: str) -> Response[bytes]:
    png = await anyio.to_thread.run_sync(lambda: render_logo(number, name))
    etag = etag_of(png)

    async def body() -> bytes:
        return png

    response = await conditional(request, etag=etag, media_type=_PNG, body=body)
    response.headers["Cache-Control"] = _LOGO_CACHE
    return response


_DOC = problem_responses(404, 429)
_DOC_304 = {**_DOC, 304: _NOT_MODIFIED}


class FeedController(Controller):
    """Documents for IPTV players, Plex and Jellyfin; the token in the path is the
    credential (treat these URLs as passwords)."""

    path = "/iptv/{token:str}"
    tags = ["iptv"]
    dependencies = {"user": Provide(provide_feed_user)}

    @get("/channels.m3u", summary="M3U playlist of your enabled channels",
         media_type=M3U_CONTENT_TYPE, responses=_DOC_304)
    async def m3u(self, request: Request[Any, Any, Any], token: FromPath[str], user: FeedUser,
                  ktv: KtvDep) -> Response[bytes]:
        """`#EXTM3U url-tvg x-tvg-url`, one `#EXTINF:-1` per enabled channel by number,
        each followed by its absolute stream URL `.../iptv/{token}/stream/{number}.ts`."""
        return await _m3u(request, ktv, user.id, FeedLinks(absolute_base(request, ktv), token))

    @get("/xmltv.xml", summary="XMLTV guide: 3 h back to the end of the schedules",
         media_type=XMLTV_CONTENT_TYPE, responses=_DOC_304)
    async def xmltv(self, request: Request[Any, Any, Any], token: FromPath[str],
                    user: FeedUser, ktv: KtvDep) -> Response[bytes]:
        """Valid against the XMLTV DTD; ETag/`If-None-Match` and gzip supported."""
        return await _xmltv(request, ktv, user.id,
                            FeedLinks(absolute_base(request, ktv), token))

    @get("/logos/{file:str}", summary="A generated logo: number and name (PNG)",
         media_type=_PNG, responses=_DOC_304)
    async def logo(self, request: Request[Any, Any, Any], file: FromPath[str], user: FeedUser,
                   ktv: KtvDep) -> Response[bytes]:
        """`{number}.png` of one of your enabled channels."""
        match = _NUMBER_PNG.fullmatch(file)
        channel = None
        if match:
            channel = next((c for c in await ktv.iptv.channels(user.id)
                            if c.number == match[1]), None)
        if channel is None:
            raise NotFoundException()
        return await _logo(request, channel.number, channel.name)

    @get("/hdhr/discover.json", summary="HDHomeRun: the device", responses=_DOC)
    async def hdhr_discover(self, request: Request[Any, Any, Any], token: FromPath[str],
                            user: FeedUser, ktv: KtvDep) -> dict[str, Any]:
        links = FeedLinks(absolute_base(request, ktv), token)
        return discover(ktv.iptv.tuner(user.id, links.hdhr))

    @get("/hdhr/lineup.json", summary="HDHomeRun: the channel lineup", responses=_DOC)
    async def hdhr_lineup(self, request: Request[Any, Any, Any], token: FromPath[str],
                          user: FeedUser, ktv: KtvDep) -> list[dict[str, Any]]:
        links = FeedLinks(absolute_base(request, ktv), token)
        return lineup(ktv.iptv.lineup(await ktv.iptv.channels(user.id), links))

    @get("/hdhr/lineup_status.json", summary="HDHomeRun: scan status", responses=_DOC)
    async def hdhr_status(self, user: FeedUser) -> dict[str, Any]:
        return lineup_status()

    @get("/hdhr/device.xml", summary="HDHomeRun: UPnP device description",
         media_type="application/xml; charset=utf-8", responses=_DOC)
    async def hdhr_device(self, request: Request[Any, Any, Any], token: FromPath[str],
                          user: FeedUser, ktv: KtvDep) -> str:
        links = FeedLinks(absolute_base(request, ktv), token)
        return device_xml(ktv.iptv.tuner(user.id, links.hdhr))

    @post("/hdhr/lineup.post", summary="HDHomeRun: channel scan (nothing to scan)",
          status_code=200, responses=_DOC)
    async def hdhr_scan(self, user: FeedUser) -> None:
        """Plex posts `?scan=start&source=Cable`; the lineup is always current."""
        return


class BearerIptvController(Controller):
    """The same documents for the signed-in web app; their stream and logo URLs are
    signed, expiring links (no header needed, no token inside)."""

    path = "/iptv"
    tags = ["iptv"]

    @get("/channels.m3u", summary="M3U playlist (signed stream links)", security=BEARER,
         media_type=M3U_CONTENT_TYPE, dependencies={"user": Provide(provide_user)},
         responses={**problem_responses(401), 304: _NOT_MODIFIED})
    async def m3u(self, request: Request[Any, Any, Any], user: CurrentUser,
                  ktv: KtvDep) -> Response[bytes]:
        """Stream URLs are `/api/v1/channels/{id}/live.ts?exp=&sig=` links valid 24-25 h."""
        return await _m3u(request, ktv, user.id,
                          SignedLinks(absolute_base(request, ktv), ktv.channel_links))

    @get("/xmltv.xml", summary="XMLTV guide (signed logo links)", security=BEARER,
         media_type=XMLTV_CONTENT_TYPE, dependencies={"user": Provide(provide_user)},
         responses={**problem_responses(401), 304: _NOT_MODIFIED})
    async def xmltv(self, request: Request[Any, Any, Any], user: CurrentUser,
                    ktv: KtvDep) -> Response[bytes]:
        return await _xmltv(request, ktv, user.id,
                            SignedLinks(absolute_base(request, ktv), ktv.channel_links))

    @get("/logos/{file:str}", summary="A channel's generated logo over a signed link",
         media_type=_PNG, responses={**problem_responses(400, 404), 304: _NOT_MODIFIED})
    async def logo(self, request: Request[Any, Any, Any], file: FromPath[str], ktv: KtvDep,
                   exp: Annotated[str | None, QueryParameter(max_length=16)] = None,
                   sig: Annotated[str | None, QueryParameter(max_length=64)] = None,
                   ) -> Response[bytes]:
        """`{channel_id}.png?exp=&sig=` as printed in the Bearer documents; an invalid or
        expired link is a 404."""
        match = _UUID_PNG.fullmatch(file)
        try:
            channel_id = uuid.UUID(match[1]) if match else None
        except ValueError:
            channel_id = None
        if channel_id is None or not ktv.channel_links.verify_logo(channel_id, exp, sig):
            raise NotFoundException()
        channel = await ktv.iptv.channel(ChannelId(channel_id))
        if channel is None or not channel.enabled:
            raise NotFoundException()
        return await _logo(request, channel.number, channel.name)
