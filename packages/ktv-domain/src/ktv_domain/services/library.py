"""Library browsing for the channel editor: the same answers whatever the media source."""

from __future__ import annotations

from ..errors import MediaSourceNotConfigured, NotFound
from ..ids import MediaItemId
from ..library import (
    LibraryCollection,
    LibraryPage,
    LibraryQuery,
    NamedCount,
    browse,
    collection_counts,
    genre_counts,
)
from ..media import MediaItem
from ..ports import MediaProvider

__all__ = ["LibraryService"]


class LibraryService:
    """Collections, genres and item search over the provider's catalog."""

    def __init__(self, media: MediaProvider | None) -> None:
        self._media = media

    def _provider(self) -> MediaProvider:
        if self._media is None:
            raise MediaSourceNotConfigured()
        return self._media

    async def collections(self) -> list[LibraryCollection]:
        media = self._provider()
        return collection_counts(await media.collections(), await media.catalog())

    async def genres(self) -> list[NamedCount]:
        return genre_counts(await self._provider().catalog())

    async def items(self, query: LibraryQuery) -> LibraryPage:
        return browse(await self._provider().catalog(), query)

    async def item(self, item_id: MediaItemId) -> MediaItem:
        found = await self._provider().get_items([item_id])
        if not found:
            raise NotFound(f"media item {item_id} not found")
        return found[0]
