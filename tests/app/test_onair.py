"""The in-memory on-air view: loads on use, ownership, refresh, replica sync."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.conftest import add_channel
from fakes import FakeClock, FakeMediaProvider, InMemoryStore
from ktv_api.onair import OnAir
from ktv_domain import NotFound, User
from ktv_domain.services import ScheduleService
from support import make_user


async def test_coverage_answers_now_and_windows_from_memory(
        store: InMemoryStore, clock: FakeClock, media: FakeMediaProvider, owner: User) -> None:
    ch = await add_channel(store, owner)
    service = ScheduleService(store.uow, media, clock)
    await service.generate(owner.id, ch.id)
    onair = OnAir(store.uow, clock)
    cov = await onair.coverage(owner.id, ch.id)
    assert cov.generation == 1
    assert cov.valid_until is not None
    assert cov.valid_until >= clock.now() + timedelta(hours=48)
    playing = cov.view.now(clock.now())
    assert playing is not None
    assert playing.slot.start_at <= clock.now()
    commits = store.commits
    week_ago = clock.now() - timedelta(days=7)
    assert cov.window(week_ago, clock.now()) is None  # before the coverage: caller asks the DB
    window = cov.window(clock.now(), clock.now() + timedelta(hours=2))
    assert window
    assert window[0] == playing.slot
    assert store.commits == commits


async def test_other_owners_and_unknown_channels_are_not_found(
        store: InMemoryStore, clock: FakeClock, owner: User) -> None:
    ch = await add_channel(store, owner)
    onair = OnAir(store.uow, clock)
    stranger = make_user("stranger@example.com")
    with pytest.raises(NotFound):
        await onair.coverage(stranger.id, ch.id)
    with pytest.raises(NotFound):
        await onair.coverage(owner.id, make_user().id)  # type: ignore[arg-type]
    cov = await onair.coverage(owner.id, ch.id)
    assert cov.generation == 0
    assert len(cov.view) == 0


async def test_a_replica_sees_another_replicas_generation_after_sync(
        store: InMemoryStore, clock: FakeClock, media: FakeMediaProvider, owner: User) -> None:
    ch = await add_channel(store, owner)
    a, b = OnAir(store.uow, clock), OnAir(store.uow, clock)
    service = ScheduleService(store.uow, media, clock)
    assert (await b.coverage(owner.id, ch.id)).generation == 0
    await service.generate(owner.id, ch.id)
    await a.refresh(ch.id)
    assert (await a.coverage(owner.id, ch.id)).generation == 1
    assert (await b.coverage(owner.id, ch.id)).generation == 0  # stale until it syncs
    assert await b.sync() == 1
    assert (await b.coverage(owner.id, ch.id)).generation == 1
    assert await b.sync() == 0
    async with store.uow() as uow:
        await uow.channels.delete(ch.id)
        await uow.commit()
    assert await b.sync() == 1
    with pytest.raises(NotFound):
        await b.coverage(owner.id, ch.id)
