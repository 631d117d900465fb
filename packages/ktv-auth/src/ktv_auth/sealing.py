"""Keys derived from one secret, and small sealed (encrypted + authenticated) values.

:func:`derive_key` turns a configured secret (``COOKIE_SECRET``) into an
independent key per purpose with HKDF-SHA256: a key derived for
``"oidc-flow-cookie"`` says nothing about one derived for ``"signed-urls"``.

:class:`Sealer` encrypts a short byte string with AES-256-GCM under such a key
and returns URL- and cookie-safe text: ``base64url(version || nonce || ciphertext
|| tag)``. The purpose is bound in as associated data too, so a value sealed for
one purpose never opens for another. :meth:`Sealer.open` never raises: anything
malformed, truncated, tampered with or sealed under another key is ``None``.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["KEY_BYTES", "MAX_SEALED_LENGTH", "Sealer", "derive_key"]

#: AES-256 and HMAC-SHA256 keys alike.
KEY_BYTES: Final = 32
#: Longer input to :meth:`Sealer.open` is refused without decoding (cookies are < 4 KiB).
MAX_SEALED_LENGTH: Final = 4096
_SALT: Final = b"k-tv/hkdf/v1"
_VERSION: Final = b"\x01"
_NONCE_BYTES: Final = 12
_TAG_BYTES: Final = 16


def derive_key(secret: str, purpose: str, *, length: int = KEY_BYTES) -> bytes:
    """A ``length``-byte key for ``purpose`` from ``secret`` (HKDF-SHA256, fixed salt,
    the purpose as ``info``). Deterministic: the same inputs give the same key on
    every replica."""
    if not secret:
        raise ValueError("the secret must not be empty")
    if not purpose:
        raise ValueError("the purpose must not be empty")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT,
                info=purpose.encode("utf-8"))
    return hkdf.derive(secret.encode("utf-8"))


class Sealer:
    """Seals and opens byte strings with AES-256-GCM under ``derive_key(secret, purpose)``."""

    __slots__ = ("_aad", "_aead")

    def __init__(self, secret: str, purpose: str) -> None:
        self._aead = AESGCM(derive_key(secret, purpose))
        self._aad = b"k-tv sealed:" + purpose.encode("utf-8")

    def __repr__(self) -> str:
        return "Sealer(<key hidden>)"

    def seal(self, plaintext: bytes) -> str:
        """Encrypted, authenticated, base64url text (no padding) for ``plaintext``."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = _VERSION + nonce + self._aead.encrypt(nonce, plaintext, self._aad)
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")

    def open(self, token: str | None) -> bytes | None:
        """The plaintext sealed in ``token``; None when it is missing or not intact."""
        if not token or len(token) > MAX_SEALED_LENGTH:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, binascii.Error):
            return None
        if len(raw) < 1 + _NONCE_BYTES + _TAG_BYTES or raw[:1] != _VERSION:
            return None
        nonce, ciphertext = raw[1:1 + _NONCE_BYTES], raw[1 + _NONCE_BYTES:]
        try:
            return self._aead.decrypt(nonce, ciphertext, self._aad)
        except InvalidTag:
            return None
