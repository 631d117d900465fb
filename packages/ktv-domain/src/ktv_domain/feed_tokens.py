"""IPTV feed tokens: long random secrets that travel in URLs, stored only as hashes.

An IPTV player, Plex or Jellyfin cannot send an ``Authorization`` header, so
each user gets one feed token that is part of their M3U, XMLTV, HDHomeRun and
stream URLs (``/iptv/<token>/...``). The token is shown to its owner once,
when it is created; the database keeps only its SHA-256 hash.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from .ids import UserId

__all__ = [
    "FEED_TOKEN_PREFIX",
    "FeedToken",
    "IssuedFeedToken",
    "hash_feed_token",
    "is_feed_token_shaped",
    "new_feed_token",
]

#: Marks a string as a K-TV feed token (secret scanners and log redaction look for it).
FEED_TOKEN_PREFIX = "ktvf_"
_RANDOM_BYTES = 32
#: ``token_urlsafe(32)``: 43 characters of the URL-safe base64 alphabet, no padding.
_SHAPE = re.compile(re.escape(FEED_TOKEN_PREFIX) + r"[A-Za-z0-9_-]{43}")


def new_feed_token() -> str:
    """A fresh token: the prefix and 256 random bits, URL-safe (48 characters)."""
    return FEED_TOKEN_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def is_feed_token_shaped(token: str) -> bool:
    """Whether ``token`` could be one of ours (a cheap check before any lookup)."""
    return _SHAPE.fullmatch(token) is not None


def hash_feed_token(token: str) -> str:
    """The stored form of a token: SHA-256, hex.

    Why not argon2 like passwords: a slow, salted hash protects *guessable*
    secrets from offline guessing. A feed token carries 256 bits from the
    operating system's CSPRNG, so guessing is hopeless whatever the hash, and a
    fast unsalted hash gives what a salted one cannot: a deterministic value the
    database can look up through a unique index, per request, in microseconds
    (IPTV players fetch playlists and HLS segments every few seconds). Someone
    who reads the table learns nothing they could turn back into a token.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedToken:
    """A user's stored feed token: the hash, never the secret. One per user."""

    user_id: UserId
    token_hash: str
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedFeedToken:
    """A token just created, as shown to its owner once (kept out of ``repr``)."""

    token: str = field(repr=False)
    created_at: datetime
