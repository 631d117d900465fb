"""JellyfinProvider: the MediaProvider over one Jellyfin server.

The catalog (every airable video of every video library, with its
collections) is fetched once per ``catalog_ttl``; concurrent callers share one
fetch (single flight), so generating 50 channels costs one catalog walk, even
when it fails. ``find_items`` filters that catalog locally with
``MediaFilter.matches`` and caches one pool per filter, each cut from the
catalog pool; a refresh that finds the same items keeps the old pools, so the
engine's indexes are reused.

Collections of an item (what ``MediaFilter.collections`` compares to): its
library's id, every ancestor folder (series, season, plain folders, walked
through ``ParentId``), and every box set holding it. That is exactly the set
of ``parentId`` values whose recursive ``/Items`` query returns the item, so
local filtering agrees with a server-side query (see ``search``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence

import httpx
import msgspec

from ktv_domain import (
    CollectionKind,
    LibraryCollection,
    MediaFilter,
    MediaInput,
    MediaItem,
    MediaItemId,
    MediaPool,
    NotFound,
    PlayableSource,
)

from .client import DEFAULT_TIMEOUT, JellyfinHttp
from .mapping import (
    DEFAULT_SHORT_MAX_SECS,
    VIDEO_KINDS,
    base_params,
    filter_queries,
    normalize_id,
    to_media_item,
)
from .wire import ITEMS_DECODER, VIRTUAL_FOLDERS_DECODER, ItemDto

__all__ = ["DEFAULT_CATALOG_TTL", "JellyfinProvider"]

DEFAULT_CATALOG_TTL = 300.0
_FOLDER_KINDS = ("Folder", "Series", "Season")
#: Library kinds that can hold videos (others: music, books, photos, playlists, livetv...).
_VIDEO_LIBRARIES = {None, "movies", "tvshows", "homevideos", "musicvideos", "mixed", "folders",
                    "unknown"}
_SORT = ("sortBy", "SortName,ProductionYear,DateCreated")
_IDS_PER_REQUEST = 100


class JellyfinProvider:
    """A MediaProvider reading a Jellyfin library with an API key (and optionally a user)."""

    def __init__(self, base_url: str, api_key: str, user_id: str | None = None, *,
                 client: httpx.AsyncClient, monotonic: Callable[[], float] = time.monotonic,
                 catalog_ttl: float = DEFAULT_CATALOG_TTL, page_size: int = 500,
                 short_max_secs: float = DEFAULT_SHORT_MAX_SECS, retries: int = 2,
                 backoff_secs: float = 0.25, timeout: httpx.Timeout = DEFAULT_TIMEOUT,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._http = JellyfinHttp(base_url, api_key, client=client, retries=retries,
                                  backoff_secs=backoff_secs, timeout=timeout, sleep=sleep)
        self.base_url = self._http.base_url
        self._user_id = normalize_id(user_id) if user_id else None
        if user_id and self._user_id is None:
            raise ValueError("user_id must be a Jellyfin user id (32 hex digits)")
        self._monotonic = monotonic
        self._ttl = catalog_ttl
        self._page_size = page_size
        self._short_max = short_max_secs
        self._flight: asyncio.Task[MediaPool] | None = None
        self._catalog: MediaPool | None = None
        self._by_id: dict[MediaItemId, MediaItem] = {}
        self._collections: list[LibraryCollection] = []
        self._fetched_at = 0.0
        #: How many full catalog walks ran (for tests and metrics).
        self.catalog_fetches = 0

    # -- MediaProvider ---------------------------------------------------------

    async def find_items(self, media_filter: MediaFilter) -> Sequence[MediaItem]:
        return (await self.catalog()).matching(media_filter)

    async def get_items(self, ids: Sequence[MediaItemId]) -> Sequence[MediaItem]:
        wanted = [normalize_id(i) for i in ids]
        known = self._by_id if self._fresh() else {}
        missing = list(dict.fromkeys(i for i in wanted if i is not None
                                     and MediaItemId(i) not in known))
        fetched: dict[str, MediaItem] = {}
        for start in range(0, len(missing), _IDS_PER_REQUEST):
            chunk = missing[start:start + _IDS_PER_REQUEST]
            dtos = await self._http.get_items(
                [*base_params(self._user_id), ("ids", ",".join(chunk))])
            for dto in dtos:
                item = self._to_item(dto, [dto.parent_id] if dto.parent_id else [])
                if item is not None:
                    fetched[item.id] = item
        out: list[MediaItem] = []
        for i in wanted:
            item = None if i is None else known.get(MediaItemId(i)) or fetched.get(i)
            if item is not None:
                out.append(item)
        return out

    async def playable_source(self, item_id: MediaItemId) -> PlayableSource:
        found = await self.get_items([item_id])
        if not found:
            raise NotFound(f"media item {item_id} not found")
        # Anonymous endpoint with Range support; never carries the API key.
        return PlayableSource(url=f"{self.base_url}/Videos/{found[0].id}/stream?static=true")

    async def media_input(self, item_id: MediaItemId) -> MediaInput:
        """The static stream (Range-capable) with the API key in a header ffmpeg sends:
        never in the URL, so never in a log line or an error message."""
        source = await self.playable_source(item_id)
        return MediaInput(location=source.url, headers=self._http.auth_headers)

    # -- catalog -----------------------------------------------------------------

    def _fresh(self) -> bool:
        return self._catalog is not None and self._monotonic() < self._fetched_at + self._ttl

    def invalidate(self) -> None:
        """Make the next call refetch the catalog."""
        self._fetched_at = float("-inf")

    async def catalog(self) -> MediaPool:
        """Every airable item, sorted by id; refetched at most once per TTL.

        Single flight: callers arriving while a fetch runs await that same
        fetch and share its result or its error (an outage costs one fetch,
        not one per caller). A caller's cancellation does not cancel the fetch.
        """
        if self._fresh():
            assert self._catalog is not None
            return self._catalog
        flight = self._flight
        if flight is None:
            flight = self._flight = asyncio.get_running_loop().create_task(self._refresh())
            flight.add_done_callback(self._land)
        return await asyncio.shield(flight)

    def _land(self, flight: asyncio.Task[MediaPool]) -> None:
        if self._flight is flight:
            self._flight = None
        if not flight.cancelled():
            flight.exception()  # retrieved, even when every caller went away

    async def collections(self) -> list[LibraryCollection]:
        """The libraries, box sets and plain folders of the cached catalog."""
        await self.catalog()
        return list(self._collections)

    async def _refresh(self) -> MediaPool:
        items, self._collections = await self._fetch_catalog()
        self.catalog_fetches += 1
        if self._catalog is None or self._catalog.items != tuple(items):
            self._catalog = MediaPool(items)
            self._by_id = {it.id: it for it in items}
        self._fetched_at = self._monotonic()
        return self._catalog

    async def _libraries(self) -> list[tuple[str, str]]:
        """The video libraries' ids and names."""
        if self._user_id:
            body = await self._http.get("/UserViews", [("userId", self._user_id)])
            try:
                views = ITEMS_DECODER.decode(body).items
            except msgspec.DecodeError as exc:
                raise self._http.unavailable(f"malformed /UserViews answer ({exc})") from exc
            return [(v.id, v.name or v.id) for v in views
                    if v.collection_type in _VIDEO_LIBRARIES]
        body = await self._http.get("/Library/VirtualFolders")
        try:
            folders = VIRTUAL_FOLDERS_DECODER.decode(body)
        except msgspec.DecodeError as exc:
            raise self._http.unavailable(f"malformed /Library/VirtualFolders answer ({exc})") \
                from exc
        return [(f.item_id, f.name or f.item_id) for f in folders
                if f.item_id and f.collection_type in _VIDEO_LIBRARIES]

    async def _fetch_catalog(self) -> tuple[list[MediaItem], list[LibraryCollection]]:
        base = base_params(self._user_id)
        parents: dict[str, str] = {}
        videos: dict[str, tuple[ItemDto, list[str]]] = {}
        collections: list[LibraryCollection] = []
        for library, name in await self._libraries():
            collections.append(LibraryCollection(id=library, name=name,
                                                 kind=CollectionKind.LIBRARY))
            dtos = await self._http.get_all_items(
                [*base, ("parentId", library),
                 ("includeItemTypes", ",".join((*VIDEO_KINDS, *_FOLDER_KINDS))), _SORT],
                self._page_size)
            for dto in dtos:
                if dto.parent_id:
                    parents[dto.id] = dto.parent_id
                if dto.type == "Folder":
                    collections.append(LibraryCollection(id=dto.id, name=dto.name or dto.id,
                                                         kind=CollectionKind.FOLDER))
                if dto.type in VIDEO_KINDS:
                    videos.setdefault(dto.id, (dto, []))[1].append(library)
        box_sets = await self._http.get_all_items(
            [*base, ("includeItemTypes", "BoxSet"), _SORT], self._page_size)
        for box in box_sets:
            collections.append(LibraryCollection(id=box.id, name=box.name or box.id,
                                                 kind=CollectionKind.BOX_SET))
            members = await self._http.get_all_items(
                [*base, ("parentId", box.id), ("includeItemTypes", ",".join(VIDEO_KINDS)), _SORT],
                self._page_size)
            for dto in members:
                if dto.id in videos:
                    videos[dto.id][1].append(box.id)
        items: list[MediaItem] = []
        for dto, extra in videos.values():
            item = self._to_item(dto, [*extra, *_ancestors(dto.id, parents)])
            if item is not None:
                items.append(item)
        items.sort(key=lambda it: it.id)
        return items, collections

    def _to_item(self, dto: ItemDto, collections: list[str]) -> MediaItem | None:
        return to_media_item(dto, base_url=self.base_url, collections=collections,
                             short_max_secs=self._short_max)

    # -- server-side search --------------------------------------------------------

    async def search(self, media_filter: MediaFilter) -> list[MediaItem]:
        """The filter's matches queried from the server directly (no cache), by id.

        Uses the server-side mapping (``filter_queries``) and finishes with
        ``media_filter.matches``; the catalog path must agree with it.
        """
        found: dict[str, MediaItem] = {}
        for params in filter_queries(media_filter, self._user_id):
            parent = dict(params).get("parentId")
            for dto in await self._http.get_all_items(params, self._page_size):
                collections = [c for c in (parent, dto.parent_id) if c]
                item = self._to_item(dto, collections)
                if item is not None and media_filter.matches(item):
                    found.setdefault(item.id, item)
        return sorted(found.values(), key=lambda it: it.id)


def _ancestors(item_id: str, parents: dict[str, str]) -> list[str]:
    out: list[str] = []
    seen = {item_id}
    current = parents.get(item_id)
    while current is not None and current not in seen:
        out.append(current)
        seen.add(current)
        current = parents.get(current)
    return out


