"""Signed, expiring links to app paths (``?exp=&sig=``): no header needed to follow them.

HLS segment URLs are signed so a browser or player that fetched a playlist
(with a Bearer token or a feed token) can fetch its segments without one. The
signature covers the app-relative path only (never the host), so a link verifies
behind any proxy prefix; the key is derived from ``COOKIE_SECRET`` for one
purpose per kind of link, so every replica signs alike.
"""

from __future__ import annotations

from datetime import timedelta

from ktv_auth import UrlSigner, derive_key
from ktv_domain import Clock

from .settings import Settings

__all__ = ["HLS_LINK_PURPOSE", "SignedLinks"]

HLS_LINK_PURPOSE = "ktv hls segment v1"


class SignedLinks:
    __slots__ = ("_base", "_clock", "_signer")

    def __init__(self, signer: UrlSigner, clock: Clock, *, base_url: str | None = None) -> None:
        self._signer = signer
        self._clock = clock
        self._base = (base_url or "").rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock, purpose: str) -> SignedLinks:
        key = derive_key(settings.cookie_secret, purpose)
        return cls(UrlSigner(key, clock), clock, base_url=settings.public_base_url)

    def url(self, path: str, *, valid_for: timedelta) -> str:
        """``path`` with a signature valid for ``valid_for``; absolute under
        ``PUBLIC_BASE_URL`` when set, else host-relative (playlists resolve it)."""
        if valid_for <= timedelta(0):
            raise ValueError("valid_for must be positive")
        query = self._signer.sign(path, expires_at=self._clock.now() + valid_for)
        return f"{self._base}{path}?{query}"

    def verify(self, path: str, exp: str | None, sig: str | None) -> bool:
        return self._signer.verify(path, exp, sig)
