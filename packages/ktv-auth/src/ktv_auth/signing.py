"""Short-lived signed URLs: an HMAC-SHA256 over the path and an expiry.

A signed URL carries ``exp=<unix seconds>&sig=<base64url HMAC>`` in its query;
the MAC covers ``"<path>\\n<exp>"`` so neither the path nor the expiry can be
changed without the key. A player that follows a redirect to such a URL needs
no ``Authorization`` header: the signature is the credential, valid until
``exp``. :meth:`UrlSigner.verify` never raises: anything malformed, tampered
with or expired is simply ``False``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime
from urllib.parse import urlencode

from ktv_domain import Clock

__all__ = ["MIN_SIGNING_KEY_BYTES", "UrlSigner"]

#: Keys shorter than this are refused (HKDF-derived keys are 32 bytes).
MIN_SIGNING_KEY_BYTES = 16
#: A unix time in seconds, no sign, no leading zero, at most 12 digits (year 33658).
_EXP = re.compile(r"[1-9][0-9]{0,11}")
#: Unpadded base64url of a 32-byte HMAC-SHA256 is exactly 43 characters.
_SIG = re.compile(r"[A-Za-z0-9_-]{43}")
#: Longer paths are refused rather than hashed.
_MAX_PATH = 4096


class UrlSigner:
    """Signs and verifies ``(path, expiry)`` pairs with one secret key."""

    __slots__ = ("_clock", "_key")

    def __init__(self, key: bytes, clock: Clock) -> None:
        if len(key) < MIN_SIGNING_KEY_BYTES:
            raise ValueError(f"a URL signing key needs at least {MIN_SIGNING_KEY_BYTES} bytes")
        self._key = bytes(key)
        self._clock = clock

    def sign(self, path: str, *, expires_at: datetime) -> str:
        """The query string ``exp=...&sig=...`` that makes ``path`` valid until
        ``expires_at`` (an aware datetime, truncated to whole seconds)."""
        if expires_at.utcoffset() is None:
            raise ValueError("expires_at must be timezone-aware")
        if not path.startswith("/") or len(path) > _MAX_PATH:
            raise ValueError("path must be an absolute URL path of at most 4096 characters")
        exp = str(int(expires_at.timestamp()))
        if not _EXP.fullmatch(exp):
            raise ValueError("expires_at must be after 1970 and before year 33658")
        return urlencode({"exp": exp, "sig": self._mac(path, exp)})

    def verify(self, path: str, exp: str | None, sig: str | None) -> bool:
        """True when ``sig`` is this key's signature of ``path`` and ``exp`` is still
        in the future; False for anything else (missing, malformed, tampered, expired)."""
        try:
            if exp is None or sig is None or len(path) > _MAX_PATH:
                return False
            if not (_EXP.fullmatch(exp) and _SIG.fullmatch(sig)):
                return False
            expected = self._mac(path, exp)
            # Both are ASCII by now; compare in constant time before looking at the clock.
            if not hmac.compare_digest(expected.encode("ascii"), sig.encode("ascii")):
                return False
            return self._clock.now().timestamp() < int(exp)
        except (ValueError, UnicodeError, OverflowError):
            return False

    def _mac(self, path: str, exp: str) -> str:
        message = f"{path}\n{exp}".encode("utf-8", "surrogatepass")
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
