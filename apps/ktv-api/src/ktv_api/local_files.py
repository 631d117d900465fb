"""The one thing the media stream endpoint needs from the local-folder library."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ktv_domain import MediaItemId

__all__ = ["LocalFiles"]


class LocalFiles(Protocol):
    """Where an indexed local item's file is."""

    async def local_file(self, item_id: MediaItemId) -> Path:
        """The file of ``item_id``, inside a configured media folder (symlinks
        resolved and checked by the implementation); ``ktv_domain.NotFound`` when the
        id is not indexed."""
        ...
