"""The local-folder ``MediaProvider``: a scanned, database-backed index of MEDIA_DIRS.

Scanning (:meth:`LocalLibrary.scan`) walks the media folders in a worker
thread, compares each file's size and modification time with the index (the
``MediaIndexRepository`` port, stored in the database), probes only new or
changed files (PyAV, ``probe_jobs`` at a time, each in a worker thread),
writes the index in batches as it goes (a crash loses at most one batch of
probes, never the index) and forgets files that disappeared. A file that
cannot be read is indexed with its problem and skipped; it is probed again
only when it changes. Folders that are configured but currently missing
(an unmounted disk) keep their index: only files under a folder that was
walked are forgotten.

Serving (the ``MediaProvider`` methods) reads a catalog cached in memory,
reloaded when the index's change marker moves (checked at most every
``refresh_secs``), so a replica sees another process's scan. Items stream
through signed URLs the app builds (``stream_url``); :meth:`local_file`
maps an item back to a file, never outside the media folders.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mimetypes
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from ktv_domain import (
    Clock,
    CollectionKind,
    IndexedFile,
    LibraryCollection,
    MediaFilter,
    MediaInput,
    MediaItem,
    MediaItemId,
    MediaPool,
    NotFound,
    PlayableSource,
    ScanState,
    ScanStatus,
    UnitOfWork,
)

from .classify import SHORT_MAX_SECS, collections_for, item_id
from .errors import UnsafePath
from .scan import scan_file
from .walk import VideoFile, resolve_inside, resolve_media_dirs, walk_media_dirs

__all__ = ["DEFAULT_REFRESH_SECS", "LocalLibrary", "StreamUrl", "mime_type_for"]

_log = logging.getLogger("ktv_localmedia")

DEFAULT_REFRESH_SECS = 10.0
#: How long a signed stream URL stays valid beyond the item's own duration.
_URL_MARGIN = timedelta(hours=1)
_BATCH = 50
_PROGRESS_SECS = 5.0

#: Builds the URL a client fetches an item from, valid for the given time.
StreamUrl = Callable[[MediaItemId, timedelta], str]

_MIME = {".mkv": "video/x-matroska", ".webm": "video/webm", ".ts": "video/mp2t",
         ".m2ts": "video/mp2t", ".mp4": "video/mp4", ".m4v": "video/mp4",
         ".mov": "video/quicktime", ".avi": "video/x-msvideo", ".wmv": "video/x-ms-wmv",
         ".mpg": "video/mpeg", ".mpeg": "video/mpeg", ".flv": "video/x-flv"}


def mime_type_for(path: str | PurePosixPath) -> str:
    """The Content-Type of a video file, by extension."""
    suffix = PurePosixPath(path).suffix.lower()
    return _MIME.get(suffix) or mimetypes.guess_type(f"x{suffix}")[0] or \
        "application/octet-stream"


def _collections(media_dir: Path, relative: PurePosixPath) -> tuple[LibraryCollection, ...]:
    found = collections_for(media_dir, relative)
    return tuple(LibraryCollection(id=c.id, name=c.name,
                                   kind=CollectionKind.LIBRARY if n == 0 else CollectionKind.FOLDER)
                 for n, c in enumerate(found))


class LocalLibrary:
    """MEDIA_DIRS as a MediaProvider, with background incremental scans."""

    def __init__(self, media_dirs: Iterable[str | Path], uow: Callable[[], UnitOfWork],
                 clock: Clock, *, stream_url: StreamUrl, probe_jobs: int = 2,
                 short_max_secs: float = SHORT_MAX_SECS,
                 refresh_secs: float = DEFAULT_REFRESH_SECS,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.media_dirs = tuple(str(d) for d in media_dirs)
        self._uow = uow
        self._clock = clock
        self._stream_url = stream_url
        self._jobs = max(1, probe_jobs)
        self._short_max = short_max_secs
        self._refresh_secs = refresh_secs
        self._monotonic = monotonic
        self._status = ScanStatus(state=ScanState.IDLE)
        self._scan: asyncio.Task[ScanStatus] | None = None
        # The catalog cache.
        self._stamp: tuple[int, datetime | None] | None = None
        self._checked_at = float("-inf")
        self._catalog = MediaPool([])
        self._by_id: dict[MediaItemId, MediaItem] = {}
        self._files: dict[MediaItemId, IndexedFile] = {}
        self._collections: dict[str, LibraryCollection] = {}
        self._loading: asyncio.Lock | None = None
        #: How many times the catalog was (re)loaded from the index (for tests).
        self.catalog_loads = 0

    # -- MediaProvider ---------------------------------------------------------------

    async def find_items(self, media_filter: MediaFilter) -> Sequence[MediaItem]:
        return (await self._fresh_catalog()).matching(media_filter)

    async def get_items(self, ids: Sequence[MediaItemId]) -> Sequence[MediaItem]:
        await self._fresh_catalog()
        return [self._by_id[i] for i in ids if i in self._by_id]

    async def playable_source(self, item_id: MediaItemId) -> PlayableSource:
        await self._fresh_catalog()
        item = self._by_id.get(item_id)
        if item is None:
            raise NotFound(f"media item {item_id} not found")
        valid_for = (item.duration or timedelta(0)) + _URL_MARGIN
        return PlayableSource(url=self._stream_url(item_id, valid_for),
                              mime_type=mime_type_for(self._files[item_id].relative_path))

    async def catalog(self) -> MediaPool:
        return await self._fresh_catalog()

    async def collections(self) -> list[LibraryCollection]:
        await self._fresh_catalog()
        return list(self._collections.values())

    # -- files -------------------------------------------------------------------------

    async def media_input(self, item_id: MediaItemId) -> MediaInput:
        """Where ffmpeg reads the item: its file, checked as :meth:`local_file` does."""
        return MediaInput(location=str(await self.local_file(item_id)))

    async def local_file(self, item_id: MediaItemId) -> Path:
        """The real path of an indexed item's file; NotFound when unknown, gone, or
        when it would resolve outside the configured media folders."""
        async with self._uow() as uow:
            indexed = await uow.media_files.get(item_id)
        if indexed is None or indexed.item is None:
            raise NotFound(f"media item {item_id} not found")
        roots = await asyncio.to_thread(resolve_media_dirs, self.media_dirs,
                                        on_warning=lambda _: None)
        media_dir = Path(indexed.media_dir)
        if media_dir not in roots:
            raise NotFound(f"media item {item_id} not found")
        try:
            return await asyncio.to_thread(resolve_inside, media_dir, indexed.relative_path,
                                           roots=roots)
        except UnsafePath as exc:
            raise NotFound(f"media item {item_id} not found") from exc

    # -- catalog cache -----------------------------------------------------------------

    async def _fresh_catalog(self) -> MediaPool:
        if self._monotonic() - self._checked_at < self._refresh_secs:
            return self._catalog
        if self._loading is None:
            self._loading = asyncio.Lock()
        async with self._loading:
            if self._monotonic() - self._checked_at >= self._refresh_secs:
                await self._reload(force=False)
        return self._catalog

    async def reload(self) -> None:
        """Reload the catalog from the index now (after a scan in this process)."""
        if self._loading is None:
            self._loading = asyncio.Lock()
        async with self._loading:
            await self._reload(force=True)

    async def _reload(self, *, force: bool) -> None:
        async with self._uow() as uow:
            stamp = await uow.media_files.stamp()
            if not force and stamp == self._stamp:
                self._checked_at = self._monotonic()
                return
            files = await uow.media_files.all()
        configured = {str(d) for d in self._resolved_configured()}
        usable = [f for f in files if f.item is not None and f.media_dir in configured]
        items = sorted((f.item for f in usable if f.item is not None), key=lambda it: it.id)
        if tuple(items) != self._catalog.items:
            self._catalog = MediaPool(items)
        self._by_id = {it.id: it for it in items}
        self._files = {f.item_id: f for f in usable}
        self._collections = {c.id: c for f in usable for c in f.collections}
        self._stamp = stamp
        self._checked_at = self._monotonic()
        self.catalog_loads += 1

    def _resolved_configured(self) -> list[Path]:
        out: list[Path] = []
        for d in self.media_dirs:
            with contextlib.suppress(OSError, RuntimeError):
                out.append(Path(d).expanduser().resolve())
        return out

    # -- scanning ----------------------------------------------------------------------

    @property
    def status(self) -> ScanStatus:
        return self._status

    def start_scan(self) -> bool:
        """Start a scan in the background; False when one is already running."""
        if self._scan is not None and not self._scan.done():
            return False
        self._status = ScanStatus(state=ScanState.RUNNING, started_at=self._clock.now())
        self._scan = asyncio.get_running_loop().create_task(self._run_scan(), name="media-scan")
        self._scan.add_done_callback(_retrieve)
        return True

    async def scan(self) -> ScanStatus:
        """Run a scan (or join the running one) and return its final status."""
        self.start_scan()
        assert self._scan is not None
        return await asyncio.shield(self._scan)

    async def stop(self) -> None:
        """Cancel a running scan (shutdown); what it indexed so far stays."""
        task = self._scan
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _set(self, **changes: Any) -> None:
        self._status = replace(self._status, **changes)

    async def _run_scan(self) -> ScanStatus:
        t0 = time.perf_counter()
        try:
            await self._scan_once()
        except asyncio.CancelledError:
            self._set(state=ScanState.FAILED, finished_at=self._clock.now(),
                      error="the scan was cancelled")
            raise
        except Exception as exc:
            _log.exception("media scan failed")
            self._set(state=ScanState.FAILED, finished_at=self._clock.now(),
                      error=f"{type(exc).__name__}: {exc}")
            return self._status
        elapsed = time.perf_counter() - t0
        self._set(state=ScanState.DONE, finished_at=self._clock.now())
        s = self._status
        _log.info("media scan done: %d files (%d probed, %d unchanged, %d skipped, %d removed), "
                  "%d items, %.1f s, %.1f probed files/s", s.files_seen, s.probed, s.unchanged,
                  s.skipped, s.removed, s.items, elapsed,
                  s.probed / elapsed if elapsed > 0 else 0.0)
        return self._status

    async def _scan_once(self) -> None:
        def warn(message: str) -> None:
            _log.warning("%s", message)

        def walk() -> tuple[list[Path], list[VideoFile]]:
            roots = resolve_media_dirs(self.media_dirs, on_warning=warn)
            return roots, list(walk_media_dirs(roots, on_warning=warn))

        roots, found = await asyncio.to_thread(walk)
        self._set(files_seen=len(found))
        async with self._uow() as uow:
            indexed = {(f.media_dir, f.relative_path): f for f in await uow.media_files.all()}
        walked = {str(r) for r in roots}
        configured = {str(p) for p in self._resolved_configured()}
        to_probe: list[VideoFile] = []
        seen: set[tuple[str, str]] = set()
        for vf in found:
            key = (str(vf.media_dir), vf.relative.as_posix())
            seen.add(key)
            old = indexed.get(key)
            if old is None or old.size != vf.size or old.mtime_ns != vf.mtime_ns:
                to_probe.append(vf)
        gone = [f.item_id for key, f in indexed.items()
                if key not in seen and (f.media_dir in walked or f.media_dir not in configured)]
        self._set(to_probe=len(to_probe), unchanged=len(found) - len(to_probe))
        _log.info("media scan: %d video files in %d folders, %d new or changed, %d gone",
                  len(found), len(roots), len(to_probe), len(gone))
        await self._probe_all(to_probe)
        if gone:
            async with self._uow() as uow:
                removed = await uow.media_files.remove(gone)
                await uow.commit()
            self._set(removed=removed)
        await self.reload()
        self._set(items=len(self._catalog))

    async def _probe_all(self, files: list[VideoFile]) -> None:
        queue: asyncio.Queue[VideoFile] = asyncio.Queue()
        for f in files:
            queue.put_nowait(f)
        pending: list[IndexedFile] = []
        last_log = time.perf_counter()
        write_lock = asyncio.Lock()

        async def flush() -> None:
            batch = pending[:]
            pending.clear()
            if batch:
                async with self._uow() as uow:
                    await uow.media_files.put(batch)
                    await uow.commit()

        async def worker() -> None:
            nonlocal last_log
            while True:
                try:
                    vf = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                indexed = await asyncio.to_thread(self._index_one, vf)
                pending.append(indexed)
                self._set(probed=self._status.probed + 1,
                          skipped=self._status.skipped + (indexed.item is None))
                if len(pending) >= _BATCH:
                    async with write_lock:
                        await flush()
                now = time.perf_counter()
                if now - last_log >= _PROGRESS_SECS:
                    last_log = now
                    _log.info("media scan: probed %d of %d files", self._status.probed,
                              self._status.to_probe)

        await asyncio.gather(*(worker() for _ in range(self._jobs)))
        async with write_lock:
            await flush()

    def _index_one(self, vf: VideoFile) -> IndexedFile:
        """Probe one file (blocking; runs in a worker thread)."""
        outcome = scan_file(vf, short_max_secs=self._short_max)
        for warning in outcome.warnings:
            _log.warning("%s", warning)
        problem = "; ".join(outcome.warnings) if outcome.item is None else None
        return IndexedFile(item_id=item_id(vf.media_dir, vf.relative), media_dir=str(vf.media_dir),
                           relative_path=vf.relative.as_posix(), size=vf.size,
                           mtime_ns=vf.mtime_ns, scanned_at=self._clock.now(),
                           item=outcome.item, collections=_collections(vf.media_dir, vf.relative),
                           problem=problem or None)


def _retrieve(task: asyncio.Task[ScanStatus]) -> None:
    if not task.cancelled():
        task.exception()
