"""The domain services run unchanged on every backend (fake, SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import time, timedelta
from pathlib import Path

import pytest

from fakes import FakeClock, FakeMediaProvider, FakePasswordHasher
from integration.conftest import Backend, sql_engine
from ktv_domain import (
    AlgorithmicContent,
    Conflict,
    DuplicateEmail,
    FillStrategy,
    MediaFilter,
    NotFound,
    ScheduledSlot,
)
from ktv_domain.services import BlockSpec, ChannelService, ChannelSpec, ScheduleService, UserService
from ktv_sql import SqlUnitOfWorkFactory
from support import T0, make_item


def _no_overlaps(slots: list[ScheduledSlot]) -> None:
    ordered = sorted(slots, key=lambda s: s.start_at)
    for a, b in itertools.pairwise(ordered):
        assert a.end_at <= b.start_at, f"{a} overlaps {b}"


def _spec() -> ChannelSpec:
    content = AlgorithmicContent(filter=MediaFilter(), strategy=FillStrategy.BEST_FIT)
    return ChannelSpec(name="Movies", blocks=[
        BlockSpec(name="All day", start_time=time(0, 0), duration_mins=1440, content=content)])


def _media() -> FakeMediaProvider:
    return FakeMediaProvider(make_item(n, secs=600 + 60 * (n % 50)) for n in range(300))


async def test_the_services_on_the_backend(backend: Backend) -> None:
    clock = FakeClock(T0)
    users = UserService(backend.uow, FakePasswordHasher(), clock)
    channels = ChannelService(backend.uow, clock)
    schedules = ScheduleService(backend.uow, _media(), clock)

    owner = await users.register("Owner@Example.com", "correct horse")
    assert owner.is_admin
    assert (await users.register("second@example.com", "correct horse")).is_admin is False
    with pytest.raises(DuplicateEmail):
        await users.register("owner@example.com", "another password")
    assert (await users.authenticate("owner@example.com", "correct horse")).id == owner.id

    channel = await channels.create(owner.id, _spec())
    assert await channels.list(owner.id) == [channel]

    first = await schedules.generate(owner.id, channel.id)
    assert first.generation == 1
    assert first.slots
    playing = await schedules.now(owner.id, channel.id)
    assert playing is not None

    clock.advance(timedelta(hours=3))
    on_air = await schedules.now(owner.id, channel.id)
    second = await schedules.generate(owner.id, channel.id)
    assert second.generation == 2
    active = await schedules.active(owner.id, channel.id)
    assert active.generation == 2
    epg = await schedules.epg(owner.id, channel.id)
    assert epg
    assert epg[0].start_at <= clock.now() < epg[0].end_at
    _no_overlaps(await schedules.epg(owner.id, channel.id, T0, T0 + timedelta(hours=48)))
    # nothing on air was cut: what played at the regeneration instant still plays
    after = await schedules.now(owner.id, channel.id)
    assert on_air is not None
    assert after is not None
    assert after.slot == on_air.slot

    assert await schedules.extend_if_needed(channel) is None
    clock.set(active.valid_until - timedelta(hours=1))
    extended = await schedules.extend_if_needed(channel)
    assert extended is not None
    assert extended.generation == 3

    await channels.delete(owner.id, channel.id)
    with pytest.raises(NotFound):
        await schedules.epg(owner.id, channel.id)
    async with backend.uow() as uow:
        assert await uow.schedules.latest(channel.id) is None
        assert await uow.schedules.history(channel.id, since=T0 - timedelta(days=30)) == []


@pytest.mark.parametrize("name", ["sqlite-file", pytest.param("postgres",
                                                              marks=pytest.mark.postgres)])
async def test_concurrent_generations_get_distinct_numbers_and_never_overlap(
        name: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    engine = await sql_engine(name, request, tmp_path, max_connections=12)
    try:
        uow = SqlUnitOfWorkFactory(engine)
        clock = FakeClock(T0)
        owner = await UserService(uow, FakePasswordHasher(), clock).register(
            "o@example.com", "password!")
        channel = await ChannelService(uow, clock).create(owner.id, _spec())
        schedules = ScheduleService(uow, _media(), clock)
        await schedules.generate(owner.id, channel.id)

        results = await asyncio.gather(
            *(schedules.generate(owner.id, channel.id) for _ in range(6)),
            return_exceptions=True)
        done = [r for r in results if not isinstance(r, BaseException)]
        failed = [r for r in results if isinstance(r, BaseException)]
        assert all(isinstance(e, Conflict) for e in failed), failed
        assert done, "at least one concurrent generation must succeed"
        numbers = [g.generation for g in done]
        assert len(set(numbers)) == len(numbers)

        async with uow() as u:
            latest = await u.schedules.latest(channel.id)
            stored = await u.schedules.slots_between(channel.id, T0 - timedelta(days=1),
                                                     T0 + timedelta(days=3))
        assert latest is not None
        assert latest.generation == 1 + len(done)
        _no_overlaps(stored)
        assert len({s.start_at for s in stored}) == len(stored)
    finally:
        await engine.dispose()
