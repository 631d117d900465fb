"""LocalScans: one replica scans (the leader), the status lives in the database."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest

from fakes import FakeClock, InMemoryStore
from ktv_api.library_scans import CatalogRefresh, LocalScans
from ktv_domain import MediaPool, MediaSourceUnavailable, ScanState, ScanStatus
from support import T0, make_item


class Leader:
    def __init__(self, leads: bool = True) -> None:
        self.leads = leads
        self.released = 0

    async def acquire(self) -> bool:
        return self.leads

    async def release(self) -> None:
        self.released += 1


class FakeLibrary:
    """A scan that takes until ``finish`` is set, reporting progress on the way."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.status = ScanStatus(state=ScanState.IDLE)
        self.finish = asyncio.Event()
        self.finish.set()
        self.scans = 0

    async def scan(self) -> ScanStatus:
        self.scans += 1
        self.status = ScanStatus(state=ScanState.RUNNING, started_at=self.clock.now(),
                                 files_seen=3)
        await self.finish.wait()
        self.status = dataclasses.replace(self.status, state=ScanState.DONE,
                                          finished_at=self.clock.now(), probed=3, items=3)
        return self.status


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def library(clock: FakeClock) -> FakeLibrary:
    return FakeLibrary(clock)


def scans(library: FakeLibrary, store: InMemoryStore, clock: FakeClock, leader: Leader,
          interval: timedelta | None = timedelta(hours=1)) -> LocalScans:
    return LocalScans(library, store.uow, clock, leader, interval=interval, poll=0.01,
                      heartbeat=0.01)


async def test_the_leader_scans_at_start_up_and_when_due(library: FakeLibrary,
                                                         clock: FakeClock) -> None:
    store = InMemoryStore()
    s = scans(library, store, clock, Leader())
    assert await s.run_once() is True  # the start-up scan
    status = await s.status()
    assert (status.state, status.items, status.updated_at) == (ScanState.DONE, 3, T0)
    assert await s.run_once() is False  # not due
    clock.advance(timedelta(minutes=59, seconds=59))
    assert await s.run_once() is False
    clock.advance(timedelta(seconds=1))
    assert await s.run_once() is True  # LIBRARY_SCAN_INTERVAL_MINS after the last scan
    assert library.scans == 2


async def test_without_an_interval_only_start_up_and_requests(library: FakeLibrary,
                                                              clock: FakeClock) -> None:
    store = InMemoryStore()
    s = scans(library, store, clock, Leader(), interval=None)
    assert await s.run_once() is True
    clock.advance(timedelta(days=30))
    assert await s.run_once() is False
    assert (await s.request()).state is ScanState.REQUESTED
    assert await s.run_once() is True


async def test_a_follower_never_scans_but_its_requests_reach_the_leader(
        library: FakeLibrary, clock: FakeClock) -> None:
    store = InMemoryStore()
    leader_library = FakeLibrary(clock)
    leader = scans(leader_library, store, clock, Leader())
    follower = scans(library, store, clock, Leader(leads=False))
    assert await leader.run_once() is True
    assert await follower.run_once() is False
    requested = await follower.request()
    assert requested.state is ScanState.REQUESTED
    assert await follower.request() == requested  # asked twice: still one request
    assert await follower.status() == requested  # the follower reads what the DB says
    assert await follower.run_once() is False
    assert await leader.run_once() is True
    assert await follower.status() == await leader.status()
    assert (await follower.status()).state is ScanState.DONE
    assert (library.scans, leader_library.scans) == (0, 2)
    assert (follower.scans_here, leader.scans_here) == (0, 2)


async def test_progress_is_written_while_the_scan_runs(library: FakeLibrary,
                                                       clock: FakeClock) -> None:
    store = InMemoryStore()
    s = scans(library, store, clock, Leader())
    library.finish.clear()
    running = asyncio.create_task(s.run_once())
    for _ in range(200):
        status = await s.status()
        if status.files_seen == 3:
            break
        await asyncio.sleep(0.01)
    assert (status.state, status.files_seen) == (ScanState.RUNNING, 3)
    assert await s.request() == status  # no second scan while one runs
    library.finish.set()
    assert await running is True
    assert (await s.status()).state is ScanState.DONE


async def test_a_running_status_nobody_runs_is_taken_over(library: FakeLibrary,
                                                          clock: FakeClock) -> None:
    """The replica that was scanning stopped: the (new) leader scans again."""
    store = InMemoryStore()
    first = scans(FakeLibrary(clock), store, clock, Leader())
    assert await first.run_once() is True
    async with store.uow() as uow:
        await uow.scans.put("local", ScanStatus(state=ScanState.RUNNING, started_at=T0))
        await uow.commit()
    assert await first.run_once() is True
    assert (await first.status()).state is ScanState.DONE


async def test_the_loop_scans_on_request_and_lets_go_of_the_lead(library: FakeLibrary,
                                                                 clock: FakeClock) -> None:
    store = InMemoryStore()
    leader = Leader()
    s = LocalScans(library, store.uow, clock, leader, interval=None, poll=3600,
                   heartbeat=0.01)
    loop = asyncio.create_task(s.run_forever())
    for _ in range(200):
        if library.scans == 1 and (await s.status()).state is ScanState.DONE:
            break
        await asyncio.sleep(0.01)
    await s.request()  # wakes the loop at once, long before the hour-long poll
    for _ in range(200):
        if library.scans == 2:
            break
        await asyncio.sleep(0.01)
    assert library.scans == 2
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
    assert leader.released == 1


async def test_a_catalog_refresh_rereads_and_records(clock: FakeClock) -> None:
    store = InMemoryStore()
    calls: list[str] = []
    fail = False

    async def catalog() -> MediaPool:
        calls.append("catalog")
        if fail:
            raise MediaSourceUnavailable("jellyfin is down")
        return MediaPool([make_item(1), make_item(2)])

    refresh = CatalogRefresh(lambda: calls.append("invalidate"), catalog, store.uow, clock,
                             "jellyfin")
    assert (await refresh.status()).state is ScanState.IDLE
    started = await refresh.request()
    assert (started.state, started.started_at) == (ScanState.RUNNING, T0)
    await refresh.wait()
    assert calls == ["invalidate", "catalog"]
    done = await refresh.status()
    assert (done.state, done.items, done.finished_at) == (ScanState.DONE, 2, T0)
    fail = True
    await refresh.request()
    await refresh.wait()
    failed = await refresh.status()
    assert (failed.state, failed.error) == (ScanState.FAILED, "jellyfin is down")
