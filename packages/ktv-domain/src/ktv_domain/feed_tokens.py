"""IPTV feed tokens: long random secrets that travel in URLs, stored only as hashes.

An IPTV player, Plex or Jellyfin cannot send an ``Authorization`` header, so
a feed token is part of the M3U, XMLTV, HDHomeRun and stream URLs
(``/iptv/<token>/...``). A user may hold several, each with a name
(``default``, ``jellyfin``, ``living-room``), so giving Jellyfin its own token
never disturbs the players that hold another one. A token is shown to its
owner once, when it is created; the database keeps only its SHA-256 hash.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .errors import ValidationError
from .ids import UserId

__all__ = [
    "DEFAULT_FEED_TOKEN_NAME",
    "FEED_TOKEN_PREFIX",
    "FEED_TOKEN_TOUCH_INTERVAL",
    "MAX_FEED_TOKENS",
    "FeedToken",
    "IssuedFeedToken",
    "hash_feed_token",
    "is_feed_token_shaped",
    "new_feed_token",
    "validate_feed_token_name",
]

#: The token ``POST``/``DELETE /auth/feed-token`` create, rotate and revoke.
DEFAULT_FEED_TOKEN_NAME = "default"
#: How many named tokens one user may hold.
MAX_FEED_TOKENS = 20
#: ``last_used_at`` is written at most this often per token (not on every request).
FEED_TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")

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


def validate_feed_token_name(name: str) -> None:
    """1 to 40 characters: lower-case letters, digits, ``.``, ``_``, ``-``; a letter or
    digit first (``jellyfin``, ``living-room``)."""
    if not _NAME.fullmatch(name):
        raise ValidationError("1 to 40 characters: a-z, 0-9, '.', '_' or '-', starting "
                              "with a letter or digit", field="name")


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
    """A user's stored feed token: the hash, never the secret; names are unique per user."""

    id: uuid.UUID
    user_id: UserId
    name: str
    token_hash: str
    created_at: datetime
    last_used_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedFeedToken:
    """A token just created, as shown to its owner once (kept out of ``repr``)."""

    token: str = field(repr=False)
    id: uuid.UUID
    name: str
    created_at: datetime
