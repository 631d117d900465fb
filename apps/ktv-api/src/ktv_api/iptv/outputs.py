"""What the IPTV routes serve, for one caller: which channels, and which URLs.

Two flavours of the same documents:

* :class:`FeedLinks`, behind a feed token (``/iptv/{token}/...``): stream URLs
  ``{base}/iptv/{token}/stream/{number}.ts`` (absolute, no query), logos under
  ``/iptv/{token}/logos/{number}.png``;
* :class:`SignedLinks`, for a Bearer caller (``/api/v1/iptv/...``): the token is
  stored hashed and cannot be printed, so streams and logos are signed,
  expiring links (:class:`~ktv_api.channel_links.ChannelLinks`).

A channel's own ``logo_url`` wins over the generated logo in both.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol

import httpx

from ktv_domain import Channel, ChannelId, MediaSourceNotConfigured, UnitOfWork, UserId
from ktv_iptv import (
    LineupEntry,
    M3uChannel,
    Tuner,
    hdhr_device_auth,
    hdhr_device_id,
    render_m3u,
    xmltv_channel_id,
)
from ktv_jellyfin import JellyfinLiveTv

from ..channel_links import ChannelLinks
from .guide import GuideService

__all__ = ["FeedLinks", "Iptv", "Links", "SignedLinks"]

GROUP = "K-TV"
_UDN_NAMESPACE = uuid.UUID("3b5cf0c4-5a3e-4c3a-9d7e-1f2a6b9c8d01")


class Links(Protocol):
    @property
    def base(self) -> str: ...

    @property
    def guide(self) -> str: ...

    def stream(self, ch: Channel) -> str: ...

    def logo(self, ch: Channel) -> str: ...


@dataclass(frozen=True, slots=True)
class FeedLinks:
    base: str
    token: str

    @property
    def root(self) -> str:
        return f"{self.base}/iptv/{self.token}"

    @property
    def guide(self) -> str:
        return f"{self.root}/xmltv.xml"

    @property
    def hdhr(self) -> str:
        return f"{self.root}/hdhr"

    def stream(self, ch: Channel) -> str:
        return f"{self.root}/stream/{ch.number}.ts"

    def logo(self, ch: Channel) -> str:
        return ch.logo_url or f"{self.root}/logos/{ch.number}.png"


@dataclass(frozen=True, slots=True)
class SignedLinks:
    base: str
    links: ChannelLinks

    @property
    def guide(self) -> str:
        return f"{self.base}/api/v1/iptv/xmltv.xml"

    def stream(self, ch: Channel) -> str:
        return self.links.live_url(self.base, ch.id)

    def logo(self, ch: Channel) -> str:
        return ch.logo_url or self.links.logo_url(self.base, ch.id)


class Iptv:
    """The IPTV outputs of the app: channel listing, M3U, HDHomeRun, the guide."""

    def __init__(self, uow: Callable[[], UnitOfWork], guide: GuideService, links: ChannelLinks,
                 *, tuner_count: int, jellyfin_url: str | None = None,
                 jellyfin_key: str | None = None,
                 http: httpx.AsyncClient | None = None) -> None:
        self._uow = uow
        self.guide = guide
        self.links = links
        self.tuner_count = tuner_count
        self._jellyfin_url = jellyfin_url
        self._jellyfin_key = jellyfin_key
        self._http = http

    @contextlib.asynccontextmanager
    async def jellyfin(self) -> AsyncIterator[JellyfinLiveTv]:
        """Jellyfin's Live TV administration (``JELLYFIN_BASE_URL``/``JELLYFIN_API_KEY``)."""
        if not (self._jellyfin_url and self._jellyfin_key):
            raise MediaSourceNotConfigured(
                "registering with Jellyfin needs JELLYFIN_BASE_URL and JELLYFIN_API_KEY")
        if self._http is not None:
            yield JellyfinLiveTv(self._jellyfin_url, self._jellyfin_key, client=self._http)
            return
        async with httpx.AsyncClient() as http:
            yield JellyfinLiveTv(self._jellyfin_url, self._jellyfin_key, client=http)

    async def channels(self, owner: UserId) -> list[Channel]:
        """The owner's enabled channels by number (disabled ones are in no document)."""
        async with self._uow() as uow:
            return [c for c in await uow.channels.list_by_owner(owner) if c.enabled]

    async def channel(self, channel_id: ChannelId) -> Channel | None:
        async with self._uow() as uow:
            return await uow.channels.get(channel_id)

    @staticmethod
    def m3u(channels: list[Channel], links: Links) -> str:
        return render_m3u([M3uChannel(tvg_id=xmltv_channel_id(ch.id), number=ch.number,
                                      name=ch.name, logo_url=links.logo(ch), group=GROUP,
                                      stream_url=links.stream(ch),
                                      catchup_days=ch.catchup_days)
                           for ch in channels], guide_url=links.guide)

    @staticmethod
    def lineup(channels: list[Channel], links: Links) -> list[LineupEntry]:
        return [LineupEntry(number=ch.number, name=ch.name, url=links.stream(ch))
                for ch in channels]

    def tuner(self, owner: UserId, base_url: str) -> Tuner:
        """The user's emulated tuner: its ids are derived from the user id (stable)."""
        return Tuner(base_url=base_url, device_id=hdhr_device_id(owner.bytes),
                     device_auth=hdhr_device_auth(owner.bytes),
                     udn=uuid.uuid5(_UDN_NAMESPACE, str(owner)), tuner_count=self.tuner_count)
