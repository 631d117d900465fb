"""A media folder's sibling that shares its name as a prefix is outside it.

``/srv/media`` and ``/srv/media-private``: a string-prefix test would let a
symlink or a stored path into the second pass for the first. The scan walk,
``resolve_inside``, the ``.nfo`` lookup and ``LocalLibrary.local_file`` (the one
way from an item id to a file to open) must all refuse it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from fakes import FakeClock, FakeMonotonic, InMemoryStore
from ktv_domain import NotFound
from ktv_localmedia import LocalLibrary, UnsafePath, find_nfo, resolve_inside, walk_media_dirs
from support.ffmpeg import encode


@dataclasses.dataclass
class Folders:
    media: Path
    private: Path  # the sibling: <media>-private


@pytest.fixture
def folders(tmp_path: Path) -> Folders:
    media = (tmp_path / "media").resolve()
    private = (tmp_path / "media-private").resolve()
    (media / "Show").mkdir(parents=True)
    (private / "Secret Show").mkdir(parents=True)
    (media / "Show" / "ok.mkv").write_bytes(b"public")
    (private / "Secret Show" / "leak.mkv").write_bytes(b"private")
    (private / "leak.nfo").write_bytes(b"<movie><title>Leaked</title></movie>")
    assert str(private).startswith(str(media))  # the whole point of the fixture
    return Folders(media, private)


def test_the_walk_refuses_symlinks_into_the_prefix_sibling(folders: Folders) -> None:
    media, private = folders.media, folders.private
    (media / "peek.mkv").symlink_to(private / "Secret Show" / "leak.mkv")
    (media / "Peek Folder").symlink_to(private / "Secret Show")
    warnings: list[str] = []
    found = [f.relative.as_posix() for f in walk_media_dirs([media],
                                                            on_warning=warnings.append)]
    assert found == ["Show/ok.mkv"]
    refused = sorted(w for w in warnings if "outside the media folders" in w)
    assert len(refused) == 2, warnings
    assert "Peek Folder" in refused[0]
    assert "peek.mkv" in refused[1]


def test_resolve_inside_refuses_a_path_that_lands_in_the_prefix_sibling(
        folders: Folders) -> None:
    media, private = folders.media, folders.private
    (media / "peek.mkv").symlink_to(private / "Secret Show" / "leak.mkv")
    (media / "Peek Folder").symlink_to(private / "Secret Show")
    assert resolve_inside(media, "Show/ok.mkv") == media / "Show" / "ok.mkv"
    for stored in ("peek.mkv", "Peek Folder/leak.mkv"):
        with pytest.raises(UnsafePath, match="outside the media folders"):
            resolve_inside(media, stored)
    # Allowed only when the sibling is itself a configured media folder.
    assert resolve_inside(media, "peek.mkv", roots=[private]) == (
        private / "Secret Show" / "leak.mkv")


def test_the_nfo_lookup_ignores_files_in_the_prefix_sibling(folders: Folders) -> None:
    media, private = folders.media, folders.private
    (media / "Show" / "ok.nfo").symlink_to(private / "leak.nfo")
    (media / "Show" / "tvshow.nfo").symlink_to(private / "leak.nfo")
    assert find_nfo(media / "Show" / "ok.mkv", media) == (None, None)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return encode(tmp_path_factory.mktemp("clip") / "clip.mkv", 1).read_bytes()


async def test_local_file_refuses_stored_paths_into_the_prefix_sibling(
        folders: Folders, clip: bytes) -> None:
    """An index entry whose path now resolves into the sibling (a file swapped for a
    symlink after the scan, or a stored media folder that is the sibling) is not found."""
    media, private = folders.media, folders.private
    for name in ("Swapped.mkv", "Kept.mkv"):
        (media / "Show" / name).write_bytes(clip)
    (private / "Secret Show" / "leak.mkv").write_bytes(clip)
    store = InMemoryStore()
    lib = LocalLibrary([media], store.uow, FakeClock(), stream_url=lambda i, d: f"/m/{i}",
                       monotonic=FakeMonotonic())
    await lib.scan()
    async with store.uow() as uow:
        indexed = {Path(f.relative_path).name: f for f in await uow.media_files.all()}
    kept, swapped = indexed["Kept.mkv"], indexed["Swapped.mkv"]
    assert kept.item is not None
    assert swapped.item is not None
    assert await lib.local_file(kept.item_id) == media / "Show" / "Kept.mkv"

    (media / "Show" / "Swapped.mkv").unlink()
    (media / "Show" / "Swapped.mkv").symlink_to(private / "Secret Show" / "leak.mkv")
    with pytest.raises(NotFound):
        await lib.local_file(swapped.item_id)

    async with store.uow() as uow:
        await uow.media_files.put([dataclasses.replace(
            kept, media_dir=str(private), relative_path="Secret Show/leak.mkv")])
        await uow.commit()
    with pytest.raises(NotFound):
        await lib.local_file(kept.item_id)
