"""Signed, short-lived URLs of local media files: ``/api/v1/media/{id}/stream?exp=&sig=``.

The signature covers the app-relative path (never the host or ``PUBLIC_BASE_URL``),
so the same link verifies behind any proxy prefix. The key is derived from
``COOKIE_SECRET`` for this one purpose, so every replica signs alike and the
secret itself never signs anything.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from ktv_domain import Clock, MediaItemId

from .settings import Settings
from .signed_links import SignedLinks

__all__ = ["MEDIA_URL_PURPOSE", "MediaUrls", "stream_path"]

MEDIA_URL_PURPOSE = "ktv media url v1"
_PREFIX = "/api/v1/media"


def stream_path(item_id: str) -> str:
    """The path a signature covers (the id as the router hands it over, unquoted)."""
    return f"{_PREFIX}/{item_id}/stream"


class MediaUrls:
    """Builds and checks the signed stream URLs of local items."""

    __slots__ = ("_clock", "_links")

    def __init__(self, links: SignedLinks, clock: Clock) -> None:
        self._links = links
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock) -> MediaUrls:
        return cls(SignedLinks.from_settings(settings, clock, MEDIA_URL_PURPOSE), clock)

    def url_for(self, item_id: str, *, valid_for: timedelta) -> str:
        """A URL that streams ``item_id`` for ``valid_for`` from now, with no header.

        Absolute under ``PUBLIC_BASE_URL`` when it is set, else relative (a 307
        ``Location`` may be relative)."""
        return self._links.url(stream_path(item_id), valid_for=valid_for,
                               shown_path=f"{_PREFIX}/{quote(item_id, safe='')}/stream")

    def verify(self, item_id: MediaItemId | str, exp: str | None, sig: str | None) -> bool:
        """True when ``exp``/``sig`` are a live signature of this item's stream path."""
        return self._links.verify(stream_path(item_id), exp, sig)

    def seconds_left(self, exp: str) -> int:
        """Whole seconds until a verified ``exp`` (for ``Cache-Control: max-age``)."""
        return max(0, int(exp) - int(self._clock.now().timestamp()))
