"""Signed, expiring links to a channel's live stream and logo, for the Bearer documents.

``GET /api/v1/iptv/channels.m3u`` and ``/api/v1/iptv/xmltv.xml`` answer a Bearer
caller (the web app), but the players they hand the playlist to send no
header, and feed tokens are stored hashed so those documents cannot carry one.
Their stream and logo URLs are therefore signed links, like the media links
(:mod:`ktv_api.media_urls`): ``?exp=<unix seconds>&sig=<HMAC>`` over the
app-relative path, with a key derived from ``COOKIE_SECRET`` for this purpose
only, so every replica signs alike and any of them verifies.

API (one instance per app, ``Ktv.channel_links``)::

    links.live_path(channel_id)        -> "/api/v1/channels/{id}/live.ts"
    links.logo_path(channel_id)        -> "/api/v1/iptv/logos/{id}.png"
    links.live_url(base, channel_id)   -> "{base}/api/v1/channels/{id}/live.ts?exp=..&sig=.."
    links.logo_url(base, channel_id)   -> "{base}/api/v1/iptv/logos/{id}.png?exp=..&sig=.."
    links.verify(path, exp, sig)       -> bool   (never raises)
    links.verify_live(channel_id, exp, sig) -> bool
    links.verify_logo(channel_id, exp, sig) -> bool

``base`` is the absolute base (``PUBLIC_BASE_URL`` or the request's, no trailing
slash); the signature covers only the path, so a link verifies behind any proxy
and other query parameters (``utc=``...) are not part of it. A route checks a
link with ``verify(request.url.path, exp, sig)`` or the ``verify_*`` helpers.

Expiry: links are valid for ``valid_for`` (default 24 h) counted from the next
whole UTC hour, so every document rendered within one hour carries the same
links (its ETag stays stable) and each link lives between 24 and 25 hours.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ktv_auth import UrlSigner, derive_key
from ktv_domain import Clock

from .settings import Settings

__all__ = ["CHANNEL_LINK_PURPOSE", "ChannelLinks"]

CHANNEL_LINK_PURPOSE = "ktv channel link v1"
_HOUR = timedelta(hours=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ChannelLinks:
    __slots__ = ("_clock", "_signer", "valid_for")

    def __init__(self, signer: UrlSigner, clock: Clock, *,
                 valid_for: timedelta = timedelta(hours=24)) -> None:
        if valid_for <= timedelta(0):
            raise ValueError("valid_for must be positive")
        self._signer = signer
        self._clock = clock
        self.valid_for = valid_for

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock) -> ChannelLinks:
        key = derive_key(settings.cookie_secret, CHANNEL_LINK_PURPOSE)
        return cls(UrlSigner(key, clock), clock)

    @staticmethod
    def live_path(channel_id: uuid.UUID) -> str:
        return f"/api/v1/channels/{channel_id}/live.ts"

    @staticmethod
    def logo_path(channel_id: uuid.UUID) -> str:
        return f"/api/v1/iptv/logos/{channel_id}.png"

    def expires_at(self) -> datetime:
        """The expiry every link signed now carries: the next whole hour + ``valid_for``."""
        now = self._clock.now()
        hour = _EPOCH + ((now - _EPOCH) // _HOUR + 1) * _HOUR
        return hour + self.valid_for

    def sign(self, base: str, path: str) -> str:
        """``{base}{path}?exp=..&sig=..``."""
        return f"{base}{path}?{self._signer.sign(path, expires_at=self.expires_at())}"

    def live_url(self, base: str, channel_id: uuid.UUID) -> str:
        return self.sign(base, self.live_path(channel_id))

    def logo_url(self, base: str, channel_id: uuid.UUID) -> str:
        return self.sign(base, self.logo_path(channel_id))

    def verify(self, path: str, exp: str | None, sig: str | None) -> bool:
        """True when ``exp``/``sig`` are a live signature of ``path``; False otherwise."""
        return self._signer.verify(path, exp, sig)

    def verify_live(self, channel_id: uuid.UUID, exp: str | None, sig: str | None) -> bool:
        return self.verify(self.live_path(channel_id), exp, sig)

    def verify_logo(self, channel_id: uuid.UUID, exp: str | None, sig: str | None) -> bool:
        return self.verify(self.logo_path(channel_id), exp, sig)
