"""Library browsing for the channel editor, and the local library's file index.

Browsing works on a provider's *catalog* (every schedulable item) and its
named collections, whatever the source: :func:`browse` searches and pages,
:func:`genre_counts` and :func:`collection_counts` summarise. It is all in
memory: a catalog of tens of thousands of items filters in milliseconds, and
providers cache their catalog anyway.

:class:`IndexedFile` is one row of the local-folder library's index (the
``MediaIndexRepository`` port): what a rescan compares a file against
(path, size, modification time) so unchanged files are not probed again.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .errors import FieldError, InvalidCursor, ValidationError
from .ids import MediaItemId
from .media import ContentType, MediaItem

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "CollectionKind",
    "IndexedFile",
    "LibraryCollection",
    "LibraryPage",
    "LibraryQuery",
    "NamedCount",
    "ScanState",
    "ScanStatus",
    "browse",
    "collection_counts",
    "decode_cursor",
    "encode_cursor",
    "genre_counts",
]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
_MAX_QUERY = 200


class CollectionKind(StrEnum):
    LIBRARY = "library"
    FOLDER = "folder"
    BOX_SET = "box_set"


@dataclass(frozen=True, slots=True, kw_only=True)
class LibraryCollection:
    """A named group of items a block can filter on (its ``id`` goes in ``collections``)."""

    id: str
    name: str
    kind: CollectionKind
    item_count: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class NamedCount:
    name: str
    item_count: int


def encode_cursor(offset: int) -> str:
    """An opaque page cursor (clients must not build their own)."""
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The offset in a cursor from :func:`encode_cursor`; ValidationError otherwise."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        offset = int(value)
        if kind != "o" or offset < 0 or not value.isdigit():
            raise ValueError(cursor)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor() from None
    return offset


@dataclass(frozen=True, slots=True, kw_only=True)
class LibraryQuery:
    """A library search: every criterion must hold; text compares case-insensitively."""

    q: str | None = None
    content_type: ContentType | None = None
    genre: str | None = None
    series: str | None = None
    collection: str | None = None
    limit: int = DEFAULT_PAGE_SIZE
    offset: int = 0

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            errors.append(FieldError("limit", f"must be 1..{MAX_PAGE_SIZE}"))
        if self.offset < 0:
            errors.append(FieldError("cursor", "must not point before the first item"))
        for name in ("q", "genre", "series", "collection"):
            value: str | None = getattr(self, name)
            if value is not None and len(value) > _MAX_QUERY:
                errors.append(FieldError(name, f"at most {_MAX_QUERY} characters"))
        if errors:
            raise ValidationError(errors)

    def matches(self, item: MediaItem) -> bool:
        if self.content_type is not None and item.content_type is not self.content_type:
            return False
        if self.collection is not None and self.collection not in item.collections:
            return False
        if self.genre is not None:
            genre = self.genre.casefold()
            if not any(g.casefold() == genre for g in item.genres):
                return False
        if self.series is not None and (item.series_name is None
                                        or item.series_name.casefold()
                                        != self.series.casefold()):
            return False
        if self.q:
            words = self.q.casefold().split()
            haystack = " ".join(filter(None, (item.title, item.series_name,
                                              item.overview))).casefold()
            if not all(w in haystack for w in words):
                return False
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class LibraryPage:
    items: tuple[MediaItem, ...]
    total: int
    #: The cursor of the next page, None on the last one.
    next_cursor: str | None


def _sort_key(item: MediaItem) -> tuple[str, int, int, str, str]:
    series = (item.series_name or item.title).casefold()
    return (series, item.season_number or 0, item.episode_number or 0,
            item.title.casefold(), item.id)


def browse(catalog: Iterable[MediaItem], query: LibraryQuery) -> LibraryPage:
    """One page of the items matching ``query``, ordered by series or title, then
    season, episode and id (a stable order, so cursors stay meaningful)."""
    found = sorted((it for it in catalog if query.matches(it)), key=_sort_key)
    end = query.offset + query.limit
    return LibraryPage(items=tuple(found[query.offset:end]), total=len(found),
                       next_cursor=encode_cursor(end) if end < len(found) else None)


def genre_counts(catalog: Iterable[MediaItem]) -> list[NamedCount]:
    """Every genre with its item count, by name (case-insensitive, first spelling kept)."""
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for item in catalog:
        for genre in {g.casefold(): g for g in item.genres}.items():
            spelling.setdefault(genre[0], genre[1])
            counts[genre[0]] += 1
    return [NamedCount(name=spelling[k], item_count=counts[k])
            for k in sorted(counts, key=lambda k: (k, spelling[k]))]


def collection_counts(collections: Sequence[LibraryCollection],
                      catalog: Iterable[MediaItem]) -> list[LibraryCollection]:
    """``collections`` with their item counts, by kind and name; empty ones left out."""
    counts: Counter[str] = Counter(c for item in catalog for c in item.collections)
    kinds = list(CollectionKind)
    return sorted((LibraryCollection(id=c.id, name=c.name, kind=c.kind, item_count=counts[c.id])
                   for c in collections if counts[c.id]),
                  key=lambda c: (kinds.index(c.kind), c.name.casefold(), c.id))


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexedFile:
    """A file of the local library as last scanned.

    ``item`` is None when the file could not be read as media; it stays in the
    index (with ``problem``) so an unchanged broken file is not probed again.
    """

    item_id: MediaItemId
    #: The configured media folder, resolved.
    media_dir: str
    #: ``/``-separated path inside ``media_dir``.
    relative_path: str
    size: int
    mtime_ns: int
    scanned_at: datetime
    item: MediaItem | None
    #: The collections of the file's folders (ids and names), for browsing.
    collections: tuple[LibraryCollection, ...] = ()
    problem: str | None = None


class ScanState(StrEnum):
    IDLE = "idle"
    #: Asked for; the replica that scans (the keeper's leader) starts it within seconds.
    REQUESTED = "requested"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanStatus:
    """Progress of the local library's current or last scan."""

    state: ScanState
    started_at: datetime | None = None
    finished_at: datetime | None = None
    #: Video files found by the walk so far.
    files_seen: int = 0
    #: New or changed files to probe, and how many of them are done.
    to_probe: int = 0
    probed: int = 0
    unchanged: int = 0
    skipped: int = 0
    removed: int = 0
    items: int = 0
    error: str | None = None
    #: When a scan asked for, or the scanning replica last wrote, this status.
    updated_at: datetime | None = None
