"""Library browsing and scan wire types."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ktv_domain import LibraryCollection, LibraryPage, NamedCount, ScanStatus

from .base import Response, utc
from .schedule import ItemOut

__all__ = ["CollectionOut", "CollectionsOut", "GenreOut", "GenresOut", "ItemPageOut",
           "ScanStatusOut"]


class CollectionOut(Response):
    id: str
    name: str
    #: ``library``, ``folder`` or ``box_set``.
    kind: str
    item_count: int

    @classmethod
    def of(cls, c: LibraryCollection) -> CollectionOut:
        return cls(id=c.id, name=c.name, kind=c.kind.value, item_count=c.item_count)


class CollectionsOut(Response):
    collections: list[CollectionOut]


class GenreOut(Response):
    name: str
    item_count: int

    @classmethod
    def of(cls, g: NamedCount) -> GenreOut:
        return cls(name=g.name, item_count=g.item_count)


class GenresOut(Response):
    genres: list[GenreOut]


class ItemPageOut(Response):
    items: list[ItemOut]
    #: How many items match in all.
    total: int
    #: Pass as ``cursor`` to get the next page; null on the last page.
    next_cursor: str | None

    @classmethod
    def of(cls, page: LibraryPage) -> ItemPageOut:
        return cls(items=[ItemOut.of(it) for it in page.items], total=page.total,
                   next_cursor=page.next_cursor)


_State = Literal["idle", "requested", "running", "done", "failed"]


class ScanStatusOut(Response):
    state: _State
    started_at: datetime | None
    finished_at: datetime | None
    files_seen: int
    to_probe: int
    probed: int
    unchanged: int
    skipped: int
    removed: int
    items: int
    error: str | None
    #: When the status was last written (progress every second while running).
    updated_at: datetime | None

    @classmethod
    def of(cls, s: ScanStatus) -> ScanStatusOut:
        return cls(state=s.state.value,
                   started_at=utc(s.started_at) if s.started_at else None,
                   finished_at=utc(s.finished_at) if s.finished_at else None,
                   files_seen=s.files_seen, to_probe=s.to_probe, probed=s.probed,
                   unchanged=s.unchanged, skipped=s.skipped, removed=s.removed, items=s.items,
                   error=s.error, updated_at=utc(s.updated_at) if s.updated_at else None)
