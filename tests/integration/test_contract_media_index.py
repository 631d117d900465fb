"""The local library's file index (MediaIndexRepository): one contract, every backend."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from integration.builders import rich_item
from integration.conftest import Backend
from ktv_domain import (
    CollectionKind,
    Conflict,
    IndexedFile,
    LibraryCollection,
    MediaItemId,
)
from support import T0

COLLECTIONS = (LibraryCollection(id="local-aaaa", name="Média", kind=CollectionKind.LIBRARY),
               LibraryCollection(id="local-bbbb", name="Shows", kind=CollectionKind.FOLDER))


def _file(n: int, *, broken: bool = False, path: str | None = None) -> IndexedFile:
    item = rich_item(n)
    return IndexedFile(item_id=item.id, media_dir="/media/vidéos",
                       relative_path=path or f"Shows/Série/S02E{n:02d}.mkv",
                       size=1_000_000_000_000 + n, mtime_ns=1_700_000_000_123_456_789 + n,
                       scanned_at=T0 + timedelta(seconds=n, microseconds=7),
                       item=None if broken else item, collections=COLLECTIONS,
                       problem="cannot probe: invalid data" if broken else None)


async def test_files_round_trip_in_path_order(backend: Backend) -> None:
    files = [_file(3), _file(1), _file(2, broken=True)]
    async with backend.uow() as uow:
        assert await uow.media_files.all() == []
        assert await uow.media_files.stamp() == (0, None)
        await uow.media_files.put(files)
        await uow.commit()
    async with backend.uow() as uow:
        stored = await uow.media_files.all()
        assert stored == sorted(files, key=lambda f: f.relative_path)
        assert await uow.media_files.get(files[0].item_id) == files[0]
        assert await uow.media_files.get(MediaItemId("f" * 32)) is None
        assert await uow.media_files.stamp() == (3, files[0].scanned_at)


async def test_put_replaces_by_id_and_remove_counts(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.media_files.put([_file(1), _file(2)])
        await uow.commit()
    changed = dataclasses.replace(_file(1, broken=True), size=5, scanned_at=T0 + timedelta(days=1))
    async with backend.uow() as uow:
        await uow.media_files.put([changed])
        assert await uow.media_files.remove([_file(2).item_id, MediaItemId("e" * 32)]) == 1
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.media_files.all() == [changed]
        assert await uow.media_files.stamp() == (1, changed.scanned_at)


async def test_uncommitted_index_changes_are_rolled_back(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.media_files.put([_file(1)])
    async with backend.uow() as uow:
        assert await uow.media_files.all() == []


async def test_one_path_has_one_id(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.media_files.put([_file(1)])
        await uow.commit()
    clash = dataclasses.replace(_file(2), relative_path=_file(1).relative_path)
    async with backend.uow() as uow:
        with pytest.raises(Conflict):
            await uow.media_files.put([clash])
        await uow.media_files.put([_file(3)])  # still usable after the refused write
        await uow.commit()
    async with backend.uow() as uow:
        assert [f.item_id for f in await uow.media_files.all()] == [_file(1).item_id,
                                                                    _file(3).item_id]


async def test_large_batches(backend: Backend) -> None:
    files = [_file(n, path=f"Movies/m{n:05d}.mp4") for n in range(1, 1201)]
    async with backend.uow() as uow:
        await uow.media_files.put(files)
        await uow.commit()
    async with backend.uow() as uow:
        assert (await uow.media_files.stamp())[0] == 1200
        assert await uow.media_files.remove([f.item_id for f in files[:700]]) == 700
        await uow.commit()
    async with backend.uow() as uow:
        assert len(await uow.media_files.all()) == 500
