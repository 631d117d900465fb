"""Media items as the engine sees them, whatever library they come from."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, overload

from .errors import ValidationError
from .ids import MediaItemId

if TYPE_CHECKING:
    from .media_filter import MediaFilter

__all__ = ["MIN_PLAYABLE_SECS", "ContentType", "MediaItem", "MediaPool", "duration_to_us"]

#: Items shorter than this (including zero-length ones) are treated like items
#: of unknown duration: never eligible for a schedule.
MIN_PLAYABLE_SECS = 1.0


class ContentType(StrEnum):
    MOVIE = "movie"
    EPISODE = "episode"
    SHORT = "short"


def duration_to_us(secs: float) -> int:
    """Seconds to whole microseconds, exactly as ``timedelta(seconds=secs)`` rounds."""
    return timedelta(seconds=secs) // timedelta(microseconds=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaItem:
    """One playable item of a media library (a snapshot of its metadata)."""

    id: MediaItemId
    title: str
    content_type: ContentType | None = None
    duration_secs: float | None = None
    series_name: str | None = None
    season_number: int | None = None
    episode_number: int | None = None
    year: int | None = None
    premiere_date: date | None = None
    genres: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: Ids of the collections (libraries, folders, box sets) holding the item.
    collections: tuple[str, ...] = ()
    overview: str | None = None
    image_url: str | None = None
    #: Duration in whole microseconds, or None when unknown or too short to air.
    duration_us: int | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.id:
            raise ValidationError("must not be empty", field="id")
        d = self.duration_secs
        if d is not None and (math.isnan(d) or d < 0 or math.isinf(d)):
            raise ValidationError("must be a finite number >= 0", field="duration_secs")
        us = duration_to_us(d) if d is not None and d >= MIN_PLAYABLE_SECS else None
        object.__setattr__(self, "duration_us", us)

    @property
    def duration(self) -> timedelta | None:
        """How long the item airs, or None when it cannot be scheduled."""
        return None if self.duration_us is None else timedelta(microseconds=self.duration_us)


class MediaPool(Sequence[MediaItem]):
    """An immutable pool of items: what a provider returns for a filter.

    Providers that cache may return the same pool object again; the engine
    keeps its search index on the pool, so it is built once per pool. A pool
    cut from a larger ``catalog`` pool (every item of it also in the catalog)
    derives its index from the catalog's in linear time instead of sorting.
    """

    __slots__ = ("_index", "_items", "_matching", "catalog", "catalog_positions")

    def __init__(self, items: Sequence[MediaItem], *, catalog: MediaPool | None = None,
                 catalog_positions: Sequence[int] | None = None) -> None:
        self._items: tuple[MediaItem, ...] = tuple(items)
        self._index: object | None = None
        self._matching: dict[MediaFilter, MediaPool] = {}
        self.catalog = catalog
        #: Where each item sits in ``catalog`` (optional; spares the engine id look-ups).
        self.catalog_positions = catalog_positions
        if catalog_positions is not None and (
                catalog is None or len(catalog_positions) != len(self._items)):
            raise ValueError("catalog_positions needs a catalog and one position per item")

    @classmethod
    def from_catalog(cls, catalog: MediaPool, positions: Sequence[int]) -> MediaPool:
        """The pool of ``catalog``'s items at ``positions`` (ascending)."""
        items = catalog.items
        return cls([items[p] for p in positions], catalog=catalog, catalog_positions=positions)

    def matching(self, media_filter: MediaFilter) -> MediaPool:
        """The pool of this catalog's items matching ``media_filter``, cut once per filter.

        Providers that keep a catalog answer ``find_items`` with it: the same
        pool object comes back while the catalog is unchanged (a new catalog
        starts with no cut pools), so the engine's index on it is reused.
        """
        pool = self._matching.get(media_filter)
        if pool is None:
            positions = [i for i, it in enumerate(self._items) if media_filter.matches(it)]
            pool = self._matching[media_filter] = MediaPool.from_catalog(self, positions)
        return pool

    @overload
    def __getitem__(self, i: int) -> MediaItem: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[MediaItem]: ...
    def __getitem__(self, i: int | slice) -> MediaItem | Sequence[MediaItem]:
        return self._items[i]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[MediaItem]:
        return iter(self._items)

    def __repr__(self) -> str:
        return f"MediaPool({len(self._items)} items)"

    @property
    def items(self) -> tuple[MediaItem, ...]:
        return self._items
