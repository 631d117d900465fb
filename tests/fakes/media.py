from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Sequence

from ktv_domain import (
    LibraryCollection,
    MediaFilter,
    MediaItem,
    MediaItemId,
    MediaPool,
    MediaSourceError,
    NotFound,
    PlayableSource,
)


class FakeMediaProvider:
    """A media library held in memory; filters with the domain's reference semantics.

    Like a caching provider, it returns the same MediaPool for the same filter
    until its catalog changes, each pool cut from one catalog pool (so the
    engine derives pool indexes from the catalog's). ``fail_with`` makes every
    call raise.
    """

    def __init__(self, items: Iterable[MediaItem] = (),
                 collections: Iterable[LibraryCollection] = ()) -> None:
        self._items: dict[MediaItemId, MediaItem] = {}
        self._collections = list(collections)
        self._catalog: MediaPool | None = None
        self.fail_with: MediaSourceError | None = None
        self.calls: list[str] = []
        #: When set, ``find_items`` waits until this event is set (``held`` counts the
        #: waiting calls). A thread-safe event: test clients run the app on another loop.
        self.hold: threading.Event | None = None
        self.held = 0
        self.add(*items)

    def add(self, *items: MediaItem) -> None:
        for item in items:
            self._items[item.id] = item
        self._catalog = None

    def remove(self, *ids: MediaItemId) -> None:
        for i in ids:
            self._items.pop(i, None)
        self._catalog = None

    def _check(self, call: str) -> None:
        self.calls.append(call)
        if self.fail_with is not None:
            raise self.fail_with

    def _pool(self) -> MediaPool:
        if self._catalog is None:
            self._catalog = MediaPool(sorted(self._items.values(), key=lambda it: it.id))
        return self._catalog

    async def catalog(self) -> Sequence[MediaItem]:
        self._check("catalog")
        return [it for it in self._pool() if it.duration_us is not None]

    async def collections(self) -> Sequence[LibraryCollection]:
        self._check("collections")
        return list(self._collections)

    async def find_items(self, media_filter: MediaFilter) -> Sequence[MediaItem]:
        self._check("find_items")
        if self.hold is not None:
            self.held += 1
            try:
                while not self.hold.is_set():  # noqa: ASYNC110 (a thread-safe event)
                    await asyncio.sleep(0.005)
            finally:
                self.held -= 1
        return self._pool().matching(media_filter)

    async def get_items(self, ids: Sequence[MediaItemId]) -> Sequence[MediaItem]:
        self._check("get_items")
        return [self._items[i] for i in ids if i in self._items]

    async def playable_source(self, item_id: MediaItemId) -> PlayableSource:
        self._check("playable_source")
        if item_id not in self._items:
            raise NotFound(f"media item {item_id} not found")
        return PlayableSource(url=f"http://media.test/videos/{item_id}/stream?static=true",
                              mime_type="video/mp4")
