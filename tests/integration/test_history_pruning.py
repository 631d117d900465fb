"""The keeper keeps the schedule history the catch-up windows need, and no more.

On SQLite and PostgreSQL: slots older than the longest catch-up window of the
enabled channels go (never less than a day is kept), newer ones stay, and each
block's last slot survives whatever its age (sequential blocks resume there).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from fakes import FakeClock
from integration.builders import BLOCK_A, BLOCK_B, generation, run
from integration.conftest import Backend
from ktv_api.keeper import Keeper
from ktv_api.metrics import Metrics
from ktv_api.onair import OnAir
from ktv_domain import Channel, ChannelId, ScheduledSlot
from ktv_domain.services import MIN_HISTORY, ScheduleService
from support import T0, make_channel, make_user

H = timedelta(hours=1)
D = timedelta(days=1)


class _Leader:
    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


async def _setup(b: Backend, *catchup_days: tuple[int, bool]) -> list[Channel]:
    user = make_user()
    out = []
    async with b.uow() as uow:
        await uow.users.add(user)
        for i, (days, enabled) in enumerate(catchup_days):
            ch = dataclasses.replace(make_channel(owner=user.id, number=str(i + 1)),
                                     catchup_days=days, enabled=enabled)
            await uow.channels.add(ch)
            out.append(ch)
        await uow.commit()
    return out


async def _store(b: Backend, cid: ChannelId, slots: list[ScheduledSlot]) -> None:
    async with b.uow() as uow:
        await uow.schedules.add_generation(generation(cid, 1, slots))
        await uow.commit()


async def _slots(b: Backend, cid: ChannelId) -> list[ScheduledSlot]:
    async with b.uow() as uow:
        return await uow.schedules.slots_between(cid, T0 - 30 * D, T0 + 30 * D)


def _keeper(b: Backend, clock: FakeClock) -> Keeper:
    return Keeper(b.uow, ScheduleService(b.uow, None, clock), OnAir(b.uow, clock), _Leader(),
                  Metrics())


async def test_pruning_keeps_the_longest_window_and_drops_what_is_older(
        sql_backend: Backend) -> None:
    b = sql_backend
    two, _five_off, none = await _setup(b, (2, True), (5, False), (0, True))
    hourly = run(two.id, 1, T0 - 4 * D, 24 * 5, minutes=60)        # T0-4d .. T0+1d
    other = run(none.id, 1, T0 - 4 * D, 24 * 5, minutes=60)
    await _store(b, two.id, hourly)
    await _store(b, none.id, other)
    clock = FakeClock(T0)
    removed = await _keeper(b, clock).prune()
    cutoff = T0 - 2 * D  # the longest window of the enabled channels (5 is disabled)
    assert removed == 2 * 47  # 48 h before the cutoff, less the slot ending at it
    assert await _slots(b, two.id) == [s for s in hourly if s.end_at >= cutoff]
    # One window for the whole database: the channel without catch-up keeps it too.
    assert await _slots(b, none.id) == [s for s in other if s.end_at >= cutoff]
    # The exact boundary: the slot that ends at the cutoff is kept, the one before is not.
    kept = await _slots(b, two.id)
    assert kept[0].end_at == cutoff
    assert await _keeper(b, clock).prune() == 0


async def test_without_catch_up_a_day_of_history_stays(sql_backend: Backend) -> None:
    b = sql_backend
    (ch,) = await _setup(b, (0, True))
    slots = run(ch.id, 1, T0 - 3 * D, 24 * 3, minutes=60)
    await _store(b, ch.id, slots)
    await _keeper(b, FakeClock(T0)).prune()
    assert await _slots(b, ch.id) == [s for s in slots if s.end_at >= T0 - MIN_HISTORY]


async def test_each_blocks_last_slot_survives_so_series_resume(sql_backend: Backend) -> None:
    b = sql_backend
    (ch,) = await _setup(b, (1, True))
    weekly = run(ch.id, 1, T0 - 10 * D, 2, block=BLOCK_A)   # a block that aired long ago
    daily = run(ch.id, 1, T0 - H, 2, first_item=10, block=BLOCK_B)
    await _store(b, ch.id, [*weekly, *daily])
    async with b.uow() as uow:
        before = await uow.schedules.continuity(ch.id, T0)
    assert await _keeper(b, FakeClock(T0)).prune() == 1
    assert await _slots(b, ch.id) == [weekly[1], *daily]
    async with b.uow() as uow:
        assert await uow.schedules.continuity(ch.id, T0) == before
