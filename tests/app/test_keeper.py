"""The background keeper: extends schedules, backs off on failures, leads alone."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from app.conftest import add_channel
from fakes import FakeClock, FakeMediaProvider, InMemoryStore
from ktv_api.keeper import Keeper, KeeperPass
from ktv_api.metrics import Metrics
from ktv_api.onair import OnAir
from ktv_domain import MediaSourceUnavailable, User
from ktv_domain.services import ScheduleService


class Leader:
    def __init__(self, leads: bool = True) -> None:
        self.leads = leads
        self.released = False

    async def acquire(self) -> bool:
        return self.leads

    async def release(self) -> None:
        self.released = True


def keeper(store: InMemoryStore, clock: FakeClock, media: FakeMediaProvider | None,
           leader: Leader | None = None, **kw: object) -> Keeper:
    service = ScheduleService(store.uow, media, clock)
    return Keeper(store.uow, service, OnAir(store.uow, clock), leader or Leader(), Metrics(),
                  **kw)  # type: ignore[arg-type]


async def _generations(store: InMemoryStore) -> dict[object, int]:
    async with store.uow() as uow:
        return {cid: h.generation for cid, h in (await uow.schedules.heads()).items()}


async def test_passes_extend_enabled_channels_when_half_the_horizon_is_left(
        store: InMemoryStore, clock: FakeClock, media: FakeMediaProvider, owner: User) -> None:
    on = await add_channel(store, owner, "1")
    off = await add_channel(store, owner, "2", enabled=False)
    k = keeper(store, clock, media)
    assert await k.run_once() == KeeperPass(extended=1)
    assert await _generations(store) == {on.id: 1, off.id: 0}
    assert await k.run_once() == KeeperPass(extended=0)
    clock.advance(timedelta(hours=40))  # coverage ran to the end of a day: 20 h left
    assert await k.run_once() == KeeperPass(extended=1)
    assert (await _generations(store))[on.id] == 2


async def _valid_until(store: InMemoryStore, channel_id: object) -> object:
    async with store.uow() as uow:
        latest = await uow.schedules.latest(channel_id)  # type: ignore[arg-type]
    assert latest is not None
    return latest.valid_until


async def test_guide_days_keep_every_enabled_channel_covered_that_far_ahead(
        store: InMemoryStore, clock: FakeClock, media: FakeMediaProvider, owner: User) -> None:
    on = await add_channel(store, owner, "1")
    other = await add_channel(store, owner, "3")
    off = await add_channel(store, owner, "2", enabled=False)
    days = timedelta(days=7)
    onair = OnAir(store.uow, clock)
    k = Keeper(store.uow, ScheduleService(store.uow, media, clock), onair, Leader(), Metrics(),
               ahead=days)
    assert await k.run_once() == KeeperPass(extended=2)
    # 48 h generations appended until 7 days + half a generation are covered: 8 days
    assert await _generations(store) == {on.id: 4, other.id: 4, off.id: 0}
    for cid in (on.id, other.id):
        remaining = await _valid_until(store, cid) - clock.now()  # type: ignore[operator]
        assert remaining >= days + timedelta(days=1)
    assert await k.run_once() == KeeperPass(extended=0)
    for _ in range(6 * 24):  # a week of hourly passes: never less than GUIDE_DAYS ahead
        clock.advance(timedelta(hours=1))
        await k.run_once()
        for cid in (on.id, other.id):
            assert await _valid_until(store, cid) - clock.now() >= days  # type: ignore[operator]
    # the on-air view saw each extension (the guide reads it)
    cov = await onair.coverage(owner.id, on.id)
    assert cov.valid_until == await _valid_until(store, on.id)


async def test_failures_back_off_exponentially_and_recover(
        store: InMemoryStore, clock: FakeClock, media: FakeMediaProvider, owner: User) -> None:
    await add_channel(store, owner)
    media.fail_with = MediaSourceUnavailable("jellyfin is down")
    k = keeper(store, clock, media, interval=60.0, retry_base=5.0, max_backoff=30.0)
    delays = []
    for _ in range(5):
        result = await k.run_once()
        assert result.failed == 1
        delays.append(k.next_delay(result))
    assert delays == [5.0, 10.0, 20.0, 30.0, 30.0]
    media.fail_with = None
    result = await k.run_once()
    assert result == KeeperPass(extended=1)
    assert k.next_delay(result) == 60.0


async def test_without_a_media_source_the_keeper_idles(
        store: InMemoryStore, clock: FakeClock, owner: User) -> None:
    await add_channel(store, owner)
    assert (await keeper(store, clock, None).run_once()).not_configured


async def _run_for(k: Keeper, passes: int) -> None:
    sleeps = 0

    async def sleep(_: float) -> None:
        nonlocal sleeps
        sleeps += 1
        if sleeps >= passes:
            raise asyncio.CancelledError
        await asyncio.sleep(0)

    k._sleep = sleep
    with pytest.raises(asyncio.CancelledError):
        await k.run_forever()


async def test_only_the_leader_runs_passes_and_the_lock_is_released_on_stop(
        store: InMemoryStore, clock: FakeClock, media: FakeMediaProvider, owner: User) -> None:
    ch = await add_channel(store, owner)
    follower = Leader(leads=False)
    await _run_for(keeper(store, clock, media, follower), 3)
    assert (await _generations(store))[ch.id] == 0
    assert follower.released
    leader = Leader()
    await _run_for(keeper(store, clock, media, leader), 2)
    assert (await _generations(store))[ch.id] == 1
    assert leader.released
