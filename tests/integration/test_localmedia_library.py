"""The local-folder MediaProvider over real files and a real index (memory and SQLite)."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from fakes import FakeClock, FakeMonotonic, InMemoryStore
from ktv_domain import (
    CollectionKind,
    ContentType,
    MediaFilter,
    MediaItemId,
    NotFound,
    ScanState,
    UnitOfWork,
)
from ktv_localmedia import LocalLibrary, mime_type_for
from ktv_sql import SqlUnitOfWorkFactory, create_engine, find_migrations_dir, migrate
from support.ffmpeg import encode

EPISODE = "The Show/Season 01/The Show - S01E02 - Pilot Two.mkv"
EPISODE_DOTS = "The Show/Season 01/The.Show.S01E03.mkv"
MOVIE = "Movies/Night Film (1999)/Night Film (1999).mp4"
SHORT = "Shorts/Tiny.mp4"


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("originals")
    return {"ep": encode(root / "ep.mkv", 3), "movie": encode(root / "movie.mp4", 4),
            "short": encode(root / "short.mp4", 2)}


@pytest.fixture
def media(tmp_path: Path, originals: dict[str, Path]) -> Path:
    root = (tmp_path / "media").resolve()
    for rel, src in [(EPISODE, "ep"), (EPISODE_DOTS, "ep"), (MOVIE, "movie"), (SHORT, "short")]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(originals[src], root / rel)
    (root / "The Show" / "tvshow.nfo").write_text(
        "<tvshow><title>The Show</title><genre>Comedy</genre><tag>kids</tag></tvshow>")
    (root / MOVIE).with_suffix(".nfo").write_text(
        "<movie><title>Night Film</title><year>1999</year><genre>Drama</genre>"
        "<plot>A film at night.</plot></movie>")
    return root


def _urls() -> tuple[list[tuple[MediaItemId, timedelta]],
                     Callable[[MediaItemId, timedelta], str]]:
    calls: list[tuple[MediaItemId, timedelta]] = []

    def url(item_id: MediaItemId, valid_for: timedelta) -> str:
        calls.append((item_id, valid_for))
        return f"/api/v1/media/{item_id}/stream?sig=x"
    return calls, url


def _library(media: Path | list[Path], uow: Callable[[], UnitOfWork],
             monotonic: FakeMonotonic | None = None) -> LocalLibrary:
    dirs = media if isinstance(media, list) else [media]
    return LocalLibrary(dirs, uow, FakeClock(), stream_url=_urls()[1],
                        monotonic=monotonic or FakeMonotonic())


async def test_a_scan_indexes_every_file_with_its_metadata(media: Path) -> None:
    lib = _library(media, InMemoryStore().uow)
    status = await lib.scan()
    assert status.state is ScanState.DONE
    assert (status.files_seen, status.probed, status.skipped, status.items) == (4, 4, 0, 4)
    by_title = {it.title: it for it in await lib.catalog()}
    assert len(by_title) == 4
    episode = next(it for it in by_title.values() if it.episode_number == 2)
    assert episode.title == "Pilot Two"
    assert (episode.content_type, episode.series_name, episode.season_number) == (
        ContentType.EPISODE, "The Show", 1)
    assert episode.genres == ("Comedy",)
    assert episode.tags == ("kids",)
    assert episode.duration_secs == pytest.approx(3, abs=1)
    movie = by_title["Night Film"]
    assert (movie.content_type, movie.year, movie.genres) == (ContentType.MOVIE, 1999, ("Drama",))
    assert movie.overview == "A film at night."
    assert by_title["Tiny"].content_type is ContentType.SHORT
    names = {(c.name, c.kind) for c in await lib.collections()}
    assert names == {("media", CollectionKind.LIBRARY), ("The Show", CollectionKind.FOLDER),
                     ("Movies", CollectionKind.FOLDER), ("Shorts", CollectionKind.FOLDER)}


async def test_filters_manual_order_and_playable_urls(media: Path) -> None:
    calls, url = _urls()
    lib = LocalLibrary([media], InMemoryStore().uow, FakeClock(), stream_url=url,
                       monotonic=FakeMonotonic())
    await lib.scan()
    episodes = await lib.find_items(MediaFilter(content_type=ContentType.EPISODE))
    assert [it.episode_number for it in sorted(episodes, key=lambda i: i.episode_number or 0)] \
        == [2, 3]
    assert await lib.find_items(MediaFilter(content_type=ContentType.EPISODE)) is episodes
    ids = [it.id for it in await lib.catalog()]
    assert [it.id for it in await lib.get_items([ids[2], MediaItemId("0" * 32), ids[0]])] == [
        ids[2], ids[0]]
    movie = next(it for it in await lib.catalog() if it.title == "Night Film")
    source = await lib.playable_source(movie.id)
    assert source.url == f"/api/v1/media/{movie.id}/stream?sig=x"
    assert source.mime_type == "video/mp4"
    assert calls[-1][0] == movie.id
    assert calls[-1][1] > timedelta(hours=1)  # the item's duration plus a margin
    with pytest.raises(NotFound):
        await lib.playable_source(MediaItemId("0" * 32))
    assert await lib.local_file(movie.id) == media / MOVIE


async def test_rescans_probe_only_new_and_changed_files_and_forget_removed_ones(
        media: Path, originals: dict[str, Path]) -> None:
    lib = _library(media, InMemoryStore().uow)
    await lib.scan()
    again = await lib.scan()
    assert (again.probed, again.unchanged, again.removed) == (0, 4, 0)

    shutil.copy(originals["movie"], media / SHORT)  # new content: size and mtime change
    os.utime(media / SHORT, ns=(1, 1_000_000_000))
    (media / EPISODE_DOTS).unlink()
    shutil.copy(originals["short"], media / "Shorts" / "New One.mp4")
    status = await lib.scan()
    assert (status.probed, status.unchanged, status.removed, status.items) == (2, 2, 1, 4)
    by_title = {it.title: it for it in await lib.catalog()}
    assert "The Show S01E03" not in by_title
    assert all(it.episode_number != 3 for it in by_title.values())
    assert by_title["Tiny"].duration_secs == pytest.approx(4, abs=1)  # re-probed
    assert by_title["New One"].content_type is ContentType.SHORT


async def test_a_corrupt_file_is_skipped_once_and_never_stops_the_scan(media: Path) -> None:
    (media / "Movies" / "Broken.mkv").write_bytes(b"\x1a\x45\xdf\xa3" + os.urandom(2048))
    (media / "Movies" / "empty.mp4").write_bytes(b"")
    store = InMemoryStore()
    lib = _library(media, store.uow)
    status = await lib.scan()
    assert (status.state, status.files_seen, status.skipped, status.items) == (
        ScanState.DONE, 6, 2, 4)
    async with store.uow() as uow:
        broken = [f for f in await uow.media_files.all() if f.item is None]
    assert len(broken) == 2
    assert all(f.problem for f in broken)
    assert (await lib.scan()).probed == 0  # unchanged broken files are not probed again
    with pytest.raises(NotFound):
        await lib.local_file(broken[0].item_id)


async def test_paths_in_the_index_never_lead_outside_the_media_folders(
        media: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.mp4"
    secret.write_bytes(b"secret")
    (media / "Movies" / "link.mp4").symlink_to(secret)
    store = InMemoryStore()
    lib = _library(media, store.uow)
    await lib.scan()
    async with store.uow() as uow:
        files = await uow.media_files.all()
        assert all("link.mp4" not in f.relative_path for f in files)
        tampered = [dataclasses.replace(files[0], relative_path="../secret.mp4"),
                    dataclasses.replace(files[1], media_dir=str(tmp_path))]
        await uow.media_files.put(tampered)
        await uow.commit()
    for f in tampered:
        with pytest.raises(NotFound):
            await lib.local_file(f.item_id)


async def test_a_missing_media_folder_keeps_its_index(media: Path, tmp_path: Path) -> None:
    store = InMemoryStore()
    await _library(media, store.uow).scan()
    moved = tmp_path / "unmounted"
    os.rename(media, moved)
    status = await _library(media, store.uow).scan()
    assert (status.state, status.files_seen, status.removed) == (ScanState.DONE, 0, 0)
    async with store.uow() as uow:
        assert len(await uow.media_files.all()) == 4
    # A folder dropped from MEDIA_DIRS is forgotten.
    os.rename(moved, media)
    other = tmp_path / "other"
    other.mkdir()
    status = await _library(other, store.uow).scan()
    assert status.removed == 4


@pytest.fixture
async def sqlite_uow(tmp_path: Path) -> AsyncIterator[Callable[[], UnitOfWork]]:
    engine = create_engine(f"sqlite:{tmp_path / 'ktv.db'}")
    await migrate(engine, find_migrations_dir("sqlite"))
    try:
        yield SqlUnitOfWorkFactory(engine)
    finally:
        await engine.dispose()


async def test_a_restart_reuses_the_stored_index(media: Path,
                                                 sqlite_uow: Callable[[], UnitOfWork]) -> None:
    first = _library(media, sqlite_uow)
    await first.scan()
    restarted = _library(media, sqlite_uow)
    assert [it.id for it in await restarted.catalog()] == [it.id for it in await first.catalog()]
    status = await restarted.scan()
    assert (status.probed, status.unchanged, status.items) == (0, 4, 4)


async def test_a_replica_sees_another_process_scan(media: Path,
                                                   sqlite_uow: Callable[[], UnitOfWork]) -> None:
    clock = FakeMonotonic()
    replica = _library(media, sqlite_uow, monotonic=clock)
    assert len(await replica.catalog()) == 0
    await _library(media, sqlite_uow).scan()
    assert len(await replica.catalog()) == 0  # cached until the refresh interval passes
    clock.t += 11
    assert len(await replica.catalog()) == 4
    loads = replica.catalog_loads
    clock.t += 11
    await replica.catalog()
    assert replica.catalog_loads == loads  # unchanged index: nothing reloaded


async def test_scan_in_the_background_reports_progress(media: Path) -> None:
    lib = _library(media, InMemoryStore().uow)
    assert lib.status.state is ScanState.IDLE
    assert lib.start_scan()
    assert not lib.start_scan()  # one at a time
    assert lib.status.state.value == "running"  # at once, before the task runs
    status = await lib.scan()  # joins the running scan
    assert status.state is ScanState.DONE
    assert status.started_at is not None
    assert status.finished_at is not None


def test_mime_types() -> None:
    assert mime_type_for("a/b.MKV") == "video/x-matroska"
    assert mime_type_for("x.ts") == "video/mp2t"
    assert mime_type_for("x.webm") == "video/webm"
    assert mime_type_for("x.unknownext") == "application/octet-stream"
