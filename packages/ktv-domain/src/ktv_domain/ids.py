"""Identifiers: distinct types for the ids that travel through the domain."""

from __future__ import annotations

import uuid
from typing import NewType

__all__ = ["BlockId", "ChannelId", "MediaItemId", "UserId", "new_id"]

UserId = NewType("UserId", uuid.UUID)
ChannelId = NewType("ChannelId", uuid.UUID)
BlockId = NewType("BlockId", uuid.UUID)
#: Provider-assigned item id (Jellyfin: 32 hex digits; local folders: a stable hash).
MediaItemId = NewType("MediaItemId", str)


def new_id() -> uuid.UUID:
    """A fresh random identifier."""
    return uuid.uuid4()
