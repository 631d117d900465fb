"""Library scans across replicas: one replica scans, every replica reports the same status.

:class:`LocalScans` runs the local library's scans only while this replica
holds the keeper's leader lock (``ktv_sql.LeaderLock``; on SQLite every
process leads). The status lives in the database (``library_scans``): the
scanning replica writes it as the scan goes (at most every ``heartbeat``
seconds), every replica reads it for ``GET /library/scan``. ``POST
/library/scan`` on any replica records a request, which the leader starts
within ``poll`` seconds (at once when it is the leader itself). The leader
scans when it first leads (start-up), when a scan is requested, every
``LIBRARY_SCAN_INTERVAL_MINS`` after the last finished scan (any replica's),
and when the status says "running" while no scan runs here (the replica that
ran it stopped).

:class:`CatalogRefresh` is ``POST /library/scan`` for a Jellyfin source: the
catalog is re-read now on the replica asked (others re-read theirs on their
own every few minutes) and the outcome is recorded like a scan's.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol

import structlog

from ktv_domain import Clock, MediaPool, ScanState, ScanStatus, UnitOfWork

from .keeper import Leadership

__all__ = ["CatalogRefresh", "LocalScans"]

_log = structlog.get_logger("ktv.library")
_ACTIVE = (ScanState.REQUESTED, ScanState.RUNNING)


class Scanner(Protocol):
    """The local library's scan (``ktv_localmedia.LocalLibrary``)."""

    @property
    def status(self) -> ScanStatus: ...

    async def scan(self) -> ScanStatus: ...


class _Statuses:
    """The ``library_scans`` row of one source."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, source: str) -> None:
        self._uow = uow
        self._clock = clock
        self.source = source

    async def read(self) -> ScanStatus:
        async with self._uow() as uow:
            found = await uow.scans.get(self.source)
        return found or ScanStatus(state=ScanState.IDLE)

    async def write(self, status: ScanStatus) -> ScanStatus:
        stamped = dataclasses.replace(status, updated_at=self._clock.now())
        async with self._uow() as uow:
            await uow.scans.put(self.source, stamped)
            await uow.commit()
        return stamped

    async def request(self) -> ScanStatus:
        current = await self.read()
        if current.state in _ACTIVE:
            return current
        return await self.write(ScanStatus(state=ScanState.REQUESTED))


class LocalScans:
    def __init__(self, library: Scanner, uow: Callable[[], UnitOfWork], clock: Clock,
                 leadership: Leadership, *, interval: timedelta | None,
                 poll: float = 2.0, heartbeat: float = 1.0) -> None:
        self._library = library
        self._statuses = _Statuses(uow, clock, "local")
        self._clock = clock
        self._leadership = leadership
        self._interval = interval
        self._poll = poll
        self._heartbeat = heartbeat
        self._wake = asyncio.Event()
        self._scanned_here = False
        #: How many scans this replica ran.
        self.scans_here = 0

    async def status(self) -> ScanStatus:
        return await self._statuses.read()

    async def request(self) -> ScanStatus:
        status = await self._statuses.request()
        self._wake.set()
        return status

    async def run_forever(self) -> None:
        """Check every ``poll`` seconds (or when woken) whether to scan; never ends on
        an error; lets go of the leadership when cancelled."""
        try:
            while True:
                try:
                    await self.run_once()
                except Exception:
                    _log.exception("library scan check failed; retrying")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
                self._wake.clear()
        finally:
            with contextlib.suppress(Exception):
                await self._leadership.release()

    async def run_once(self) -> bool:
        """Scan now if this replica leads and a scan is due; whether it scanned."""
        if not await self._leadership.acquire():
            return False
        status = await self._statuses.read()
        if not self._due(status):
            return False
        await self._scan()
        return True

    def _due(self, status: ScanStatus) -> bool:
        if not self._scanned_here or status.state in _ACTIVE:
            return True  # start-up, a request, or a scan whose replica went away
        if self._interval is None or status.finished_at is None:
            return False
        return self._clock.now() - status.finished_at >= self._interval

    async def _scan(self) -> None:
        self._scanned_here = True
        self.scans_here += 1
        await self._statuses.write(ScanStatus(state=ScanState.RUNNING,
                                              started_at=self._clock.now()))
        task = asyncio.ensure_future(self._library.scan())
        try:
            while not task.done():
                await asyncio.wait({task}, timeout=self._heartbeat)
                if not task.done():
                    await self._statuses.write(self._library.status)
        except BaseException:
            task.cancel()
            raise
        await self._statuses.write(task.result())


class CatalogRefresh:
    """A remote catalog (Jellyfin) re-read on demand, with a scan-like status."""

    def __init__(self, invalidate: Callable[[], None], catalog: Callable[[], Awaitable[MediaPool]],
                 uow: Callable[[], UnitOfWork], clock: Clock, source: str) -> None:
        self._invalidate = invalidate
        self._catalog = catalog
        self._statuses = _Statuses(uow, clock, source)
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    async def status(self) -> ScanStatus:
        return await self._statuses.read()

    async def request(self) -> ScanStatus:
        if self._task is not None and not self._task.done():
            return await self._statuses.read()
        status = await self._statuses.write(ScanStatus(state=ScanState.RUNNING,
                                                       started_at=self._clock.now()))
        self._task = asyncio.get_running_loop().create_task(self._refresh(status))
        return status

    async def wait(self) -> None:
        """Until the refresh under way (if any) has finished (tests, shutdown)."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _refresh(self, started: ScanStatus) -> None:
        try:
            self._invalidate()
            pool = await self._catalog()
        except Exception as exc:
            _log.warning("catalog refresh failed", source=self._statuses.source,
                         error=f"{type(exc).__name__}: {exc}")
            await self._statuses.write(dataclasses.replace(
                started, state=ScanState.FAILED, finished_at=self._clock.now(),
                error=getattr(exc, "message", None) or type(exc).__name__))
            return
        await self._statuses.write(dataclasses.replace(
            started, state=ScanState.DONE, finished_at=self._clock.now(), items=len(pool)))
