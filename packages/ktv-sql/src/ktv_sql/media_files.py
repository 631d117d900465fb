"""MediaIndexRepository over SQL: the local-folder library's file index."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from ktv_domain import CollectionKind, Conflict, IndexedFile, LibraryCollection, MediaItemId

from .codec import decode_item, encode_item
from .session import Session
from .tables import media_files
from .translate import writing

__all__ = ["SqlMediaIndexRepository"]

_BATCH = 500


def _encode_collections(collections: Sequence[LibraryCollection]) -> str:
    return json.dumps([{"id": c.id, "name": c.name, "kind": c.kind.value}
                       for c in collections], ensure_ascii=False, separators=(",", ":"))


def _decode_collections(text: str) -> tuple[LibraryCollection, ...]:
    return tuple(LibraryCollection(id=d["id"], name=d["name"], kind=CollectionKind(d["kind"]))
                 for d in json.loads(text))


def _values(f: IndexedFile) -> dict[str, Any]:
    return {"item_id": f.item_id, "media_dir": f.media_dir, "relative_path": f.relative_path,
            "size": f.size, "mtime_ns": f.mtime_ns, "scanned_at": f.scanned_at,
            "item": encode_item(f.item) if f.item is not None else None,
            "collections": _encode_collections(f.collections), "problem": f.problem}


def _file(row: Row[Any]) -> IndexedFile:
    return IndexedFile(item_id=MediaItemId(row.item_id), media_dir=row.media_dir,
                       relative_path=row.relative_path, size=row.size, mtime_ns=row.mtime_ns,
                       scanned_at=row.scanned_at,
                       item=decode_item(row.item) if row.item is not None else None,
                       collections=_decode_collections(row.collections), problem=row.problem)


class SqlMediaIndexRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    @property
    def _conn(self) -> AsyncConnection:
        return self._s.conn

    async def all(self) -> list[IndexedFile]:
        rows = await self._conn.execute(
            select(media_files).order_by(media_files.c.media_dir, media_files.c.relative_path))
        return [_file(r) for r in rows]

    async def get(self, item_id: MediaItemId) -> IndexedFile | None:
        row = (await self._conn.execute(
            select(media_files).where(media_files.c.item_id == item_id))).first()
        return _file(row) if row is not None else None

    async def put(self, files: Sequence[IndexedFile]) -> None:
        if not files:
            return
        dialect = postgresql if self._s.dialect == "postgresql" else sqlite
        stmt = dialect.insert(media_files)
        upsert = stmt.on_conflict_do_update(
            index_elements=[media_files.c.item_id],
            set_={c.name: stmt.excluded[c.name] for c in media_files.c if c.name != "item_id"})
        async with writing(self._conn,
                           unique=Conflict("this file is already indexed under another id")):
            for start in range(0, len(files), _BATCH):
                await self._conn.execute(upsert, [_values(f)
                                                  for f in files[start:start + _BATCH]])

    async def remove(self, item_ids: Sequence[MediaItemId]) -> int:
        removed = 0
        for start in range(0, len(item_ids), _BATCH):
            result = await self._conn.execute(delete(media_files).where(
                media_files.c.item_id.in_(list(item_ids[start:start + _BATCH]))))
            removed += result.rowcount
        return removed

    async def stamp(self) -> tuple[int, datetime | None]:
        row = (await self._conn.execute(
            select(func.count(), func.max(media_files.c.scanned_at)))).one()
        count, newest = row  # max() keeps the column's type, so newest is an aware datetime
        assert newest is None or isinstance(newest, datetime)
        return int(count), newest
