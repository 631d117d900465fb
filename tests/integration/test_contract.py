"""One contract for every repository and the unit of work, on every backend.

The same assertions hold for the in-memory fake (tests/fakes), SQLite (file
and in-memory) and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest

from integration.builders import (
    BLOCK_A,
    BLOCK_B,
    generation,
    rich_channel,
    rich_item,
    run,
    slot,
)
from integration.conftest import Backend
from ktv_domain import (
    ChannelId,
    Conflict,
    DuplicateEmail,
    Email,
    NotFound,
    ScheduleHead,
    ScheduleWarning,
    User,
    UserId,
)
from support import T0, make_channel, make_user

H = timedelta(hours=1)
M = timedelta(minutes=1)


async def _owner(b: Backend, email: str = "owner@example.com") -> User:
    user = make_user(email)
    async with b.uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


# -- users --------------------------------------------------------------------------------

async def test_user_round_trip_and_lookups(backend: Backend) -> None:
    user = dataclasses.replace(make_user("Ann@Example.com"), is_admin=True,
                               oidc_subject="https://idp|ann")
    oidc_only = dataclasses.replace(make_user("bob@example.com"), password_hash=None)
    async with backend.uow() as uow:
        assert await uow.users.count() == 0
        await uow.users.add(user)
        await uow.users.add(oidc_only)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.users.get(user.id) == user
        assert await uow.users.get(oidc_only.id) == oidc_only
        assert await uow.users.get_by_email(Email("ANN@example.com")) == user
        assert await uow.users.get_by_oidc_subject("https://idp|ann") == user
        assert await uow.users.get_by_oidc_subject("nobody") is None
        assert await uow.users.get(UserId(uuid.uuid4())) is None
        assert await uow.users.count() == 2
        assert await uow.users.list_all() == [user, oidc_only]  # by email


async def test_list_all_orders_by_email(backend: Backend) -> None:
    async with backend.uow() as uow:
        assert await uow.users.list_all() == []
    for email in ("c@example.com", "a@example.com", "b@example.com"):
        await _owner(backend, email)
    async with backend.uow() as uow:
        listed = await uow.users.list_all()
    assert [str(u.email) for u in listed] == ["a@example.com", "b@example.com", "c@example.com"]


async def test_first_admin_is_the_oldest_administrator(backend: Backend) -> None:
    async with backend.uow() as uow:
        assert await uow.users.first_admin() is None
    plain = make_user("plain@example.com")
    late = dataclasses.replace(make_user("late@example.com"), is_admin=True,
                               created_at=T0 + H)
    early = dataclasses.replace(make_user("early@example.com"), is_admin=True,
                                created_at=T0 + M)
    async with backend.uow() as uow:
        for u in (plain, late, early):
            await uow.users.add(u)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.users.first_admin() == early


async def test_duplicate_email_and_identity_are_refused(backend: Backend) -> None:
    first = dataclasses.replace(make_user("a@example.com"), oidc_subject="idp|1")
    await _owner(backend, "x@example.com")
    async with backend.uow() as uow:
        await uow.users.add(first)
        await uow.commit()
    async with backend.uow() as uow:
        with pytest.raises(DuplicateEmail):
            await uow.users.add(make_user("a@example.com"))
        with pytest.raises(Conflict):
            await uow.users.add(dataclasses.replace(make_user("b@example.com"),
                                                    oidc_subject="idp|1"))
        # the unit of work stays usable after a refused write
        await uow.users.add(make_user("c@example.com"))
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.users.count() == 3


async def test_user_update(backend: Backend) -> None:
    user = await _owner(backend, "a@example.com")
    await _owner(backend, "taken@example.com")
    changed = dataclasses.replace(user, password_hash="fake$v2$y", oidc_subject="idp|a",
                                  is_admin=True)
    async with backend.uow() as uow:
        await uow.users.update(changed)
        with pytest.raises(NotFound):
            await uow.users.update(make_user("ghost@example.com"))
        with pytest.raises(DuplicateEmail):
            await uow.users.update(dataclasses.replace(user, email=Email("taken@example.com")))
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.users.get(user.id) == changed


async def test_deleting_a_user_removes_their_channels_and_schedules(backend: Backend) -> None:
    user = await _owner(backend)
    other = await _owner(backend, "other@example.com")
    ch = make_channel(owner=user.id)
    kept = make_channel(owner=other.id)
    async with backend.uow() as uow:
        await uow.channels.add(ch)
        await uow.channels.add(kept)
        await uow.schedules.add_generation(generation(ch.id, 1, run(ch.id, 1, T0, 4)))
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.users.delete(user.id) is True
        assert await uow.users.delete(user.id) is False
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.users.get(user.id) is None
        assert await uow.channels.get(ch.id) is None
        assert await uow.channels.get(kept.id) == kept
        assert await uow.schedules.latest(ch.id) is None
        assert await uow.schedules.slots_between(ch.id, T0 - H, T0 + 10 * H) == []
        assert await uow.schedules.history(ch.id, since=T0 - H) == []


# -- channels -----------------------------------------------------------------------------

async def test_channel_round_trip_keeps_every_field(backend: Backend) -> None:
    user = await _owner(backend)
    ch = rich_channel(user.id)
    async with backend.uow() as uow:
        await uow.channels.add(ch)
        await uow.commit()
    async with backend.uow() as uow:
        stored = await uow.channels.get(ch.id)
    assert stored == ch
    assert stored is not None
    assert stored.schedule_config.blocks[0].start_time.second == 15
    assert stored.schedule_config.blocks[1].id == BLOCK_B
    assert stored.recycle_policy.cooldown_days is None


async def test_channels_are_listed_by_number(backend: Backend) -> None:
    user = await _owner(backend)
    other = await _owner(backend, "other@example.com")
    numbers = ["10", "2", "1.5", "1", "1.10", "1.2"]
    chans = {n: make_channel(owner=user.id, number=n) for n in numbers}
    disabled = dataclasses.replace(make_channel(owner=other.id, number="3"), enabled=False)
    async with backend.uow() as uow:
        for ch in chans.values():
            await uow.channels.add(ch)
        await uow.channels.add(disabled)
        await uow.commit()
    async with backend.uow() as uow:
        listed = await uow.channels.list_by_owner(user.id)
        assert [c.number for c in listed] == ["1", "1.2", "1.5", "1.10", "2", "10"]
        assert await uow.channels.list_by_owner(other.id) == [disabled]
        enabled = await uow.channels.list_enabled()
        assert {c.id for c in enabled} == {c.id for c in chans.values()}


async def test_channel_numbers_are_unique_per_owner(backend: Backend) -> None:
    user = await _owner(backend)
    other = await _owner(backend, "other@example.com")
    one = make_channel(owner=user.id, number="1")
    two = make_channel(owner=user.id, number="2")
    async with backend.uow() as uow:
        await uow.channels.add(one)
        await uow.channels.add(two)
        await uow.commit()
    async with backend.uow() as uow:
        with pytest.raises(Conflict):
            await uow.channels.add(make_channel(owner=user.id, number="1"))
        await uow.channels.add(make_channel(owner=other.id, number="1"))
        with pytest.raises(Conflict):
            await uow.channels.update(dataclasses.replace(two, number="1"))
        with pytest.raises(NotFound):
            await uow.channels.update(make_channel(owner=user.id, number="9"))
        with pytest.raises(NotFound):
            await uow.channels.add(make_channel(owner=UserId(uuid.uuid4()), number="5"))
        renamed = dataclasses.replace(two, name="Renamed", number="3", enabled=False)
        await uow.channels.update(renamed)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.channels.get(two.id) == renamed
        assert len(await uow.channels.list_by_owner(other.id)) == 1


async def test_deleting_a_channel_removes_its_schedules(backend: Backend) -> None:
    user = await _owner(backend)
    ch = make_channel(owner=user.id, number="1")
    other = make_channel(owner=user.id, number="2")
    async with backend.uow() as uow:
        await uow.channels.add(ch)
        await uow.channels.add(other)
        await uow.schedules.add_generation(generation(ch.id, 1, run(ch.id, 1, T0, 4)))
        await uow.schedules.add_generation(generation(other.id, 1, run(other.id, 1, T0, 2)))
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.channels.delete(ch.id) is True
        assert await uow.channels.delete(ch.id) is False
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.channels.get(ch.id) is None
        assert await uow.schedules.latest(ch.id) is None
        assert await uow.schedules.slots_between(ch.id, T0 - H, T0 + 9 * H) == []
        assert await uow.schedules.continuity(ch.id, T0 + 9 * H) == {}
        assert await uow.schedules.history(ch.id, since=T0 - H) == []
        assert len(await uow.schedules.slots_between(other.id, T0, T0 + 9 * H)) == 2
        # the channel's number is free again
        await uow.channels.add(make_channel(owner=user.id, number="1"))


# -- schedules ----------------------------------------------------------------------------

async def _channel(b: Backend) -> ChannelId:
    user = await _owner(b)
    ch = make_channel(owner=user.id)
    async with b.uow() as uow:
        await uow.channels.add(ch)
        await uow.commit()
    return ch.id


async def test_generation_round_trip(backend: Backend) -> None:
    cid = await _channel(backend)
    slots = [slot(cid, 1, T0, 30.5, rich_item(1)), *run(cid, 1, T0 + H, 3, first_item=5,
                                                       block=BLOCK_B)]
    warn = (ScheduleWarning(code="empty_pool", message="nothing", block_id=BLOCK_A),
            ScheduleWarning(code="x", message="y"))
    gen = generation(cid, 1, slots, warnings=warn)
    async with backend.uow() as uow:
        assert await uow.schedules.latest(cid) is None
        await uow.schedules.add_generation(gen)
        await uow.commit()
    async with backend.uow() as uow:
        latest = await uow.schedules.latest(cid)
        got = await uow.schedules.slots_between(cid, T0 - 48 * H, T0 + 48 * H)
        history = await uow.schedules.history(cid, since=T0 - H)
    assert latest is not None
    assert (latest.generation, latest.valid_from, latest.valid_until, latest.created_at) == (
        1, gen.valid_from, gen.valid_until, gen.created_at)
    assert got == slots
    assert got[0].item == rich_item(1)
    assert got[0].item.duration_secs == 1800.125
    assert history == sorted(gen.records(), key=lambda r: (r.scheduled_at, r.item_id))


async def test_latest_is_the_highest_generation(backend: Backend) -> None:
    cid = await _channel(backend)
    async with backend.uow() as uow:
        await uow.schedules.add_generation(generation(cid, 1, run(cid, 1, T0, 2)))
        await uow.schedules.add_generation(
            generation(cid, 2, run(cid, 2, T0 + H, 2), valid_from=T0 + H))
        await uow.commit()
    async with backend.uow() as uow:
        latest = await uow.schedules.latest(cid)
    assert latest is not None
    assert (latest.generation, latest.valid_from) == (2, T0 + H)


async def test_slots_between_bounds(backend: Backend) -> None:
    cid = await _channel(backend)
    # 12:00-12:30, 12:30-13:00, 13:00-13:30, 13:30-14:00 and a 20 h slot from 14:00
    slots = [*run(cid, 1, T0, 4), slot(cid, 1, T0 + 2 * H, 20 * 60, 9)]
    async with backend.uow() as uow:
        await uow.schedules.add_generation(generation(cid, 1, slots))
        await uow.commit()
    async with backend.uow() as uow:
        sb = uow.schedules.slots_between
        assert await sb(cid, T0 + 30 * M, T0 + H) == [slots[1]]  # end == start excluded
        assert await sb(cid, T0 + 29 * M, T0 + 61 * M) == slots[0:3]
        assert await sb(cid, T0 - H, T0) == []  # start == until excluded
        assert await sb(cid, T0 + 20 * H, T0 + 21 * H) == [slots[4]]  # long slot found
        assert await sb(cid, T0 + 22 * H, T0 + 23 * H) == []
        assert await sb(ChannelId(uuid.uuid4()), T0, T0 + H) == []


async def test_duplicate_generation_and_overlaps_are_conflicts(backend: Backend) -> None:
    cid = await _channel(backend)
    first = generation(cid, 1, run(cid, 1, T0, 4))
    async with backend.uow() as uow:
        await uow.schedules.add_generation(first)
        await uow.commit()
    async with backend.uow() as uow:
        with pytest.raises(Conflict):
            await uow.schedules.add_generation(generation(cid, 1, run(cid, 1, T0 + 9 * H, 1)))
        with pytest.raises(Conflict):  # overlaps the third stored slot
            await uow.schedules.add_generation(
                generation(cid, 2, run(cid, 2, T0 + 75 * M, 2)))
        with pytest.raises(Conflict):  # reuses a stored slot's id
            await uow.schedules.add_generation(generation(cid, 3, [
                dataclasses.replace(slot(cid, 3, T0 + 5 * H, 30), id=first.slots[0].id)]))
        await uow.schedules.add_generation(generation(cid, 4, run(cid, 4, T0 + 2 * H, 2)))
        await uow.commit()
    async with backend.uow() as uow:
        latest = await uow.schedules.latest(cid)
        got = await uow.schedules.slots_between(cid, T0, T0 + 10 * H)
        history = await uow.schedules.history(cid, since=T0 - H)
    assert latest is not None
    assert latest.generation == 4
    assert [s.generation for s in got] == [1, 1, 1, 1, 4, 4]
    assert len(history) == 6


async def test_add_generation_for_an_unknown_channel(backend: Backend) -> None:
    await _channel(backend)
    ghost = ChannelId(uuid.uuid4())
    async with backend.uow() as uow:
        with pytest.raises(NotFound):
            await uow.schedules.add_generation(generation(ghost, 1, run(ghost, 1, T0, 1)))


async def test_discard_after(backend: Backend) -> None:
    cid = await _channel(backend)
    slots = run(cid, 1, T0, 6)  # 12:00 .. 15:00
    async with backend.uow() as uow:
        await uow.schedules.add_generation(generation(cid, 1, slots))
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.schedules.discard_after(cid, T0 + H) == 3  # 13:00 itself stays
        assert await uow.schedules.discard_after(cid, T0 + H) == 0
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.schedules.slots_between(cid, T0, T0 + 9 * H) == slots[:3]
        history = await uow.schedules.history(cid, since=T0 - H)
        assert [r.scheduled_at for r in history] == [s.start_at for s in slots[:3]]
        latest = await uow.schedules.latest(cid)
        assert latest is not None
        assert latest.generation == 1  # generations stay


async def test_a_slot_is_found_by_channel_and_id(backend: Backend) -> None:
    cid = await _channel(backend)
    other = make_channel(owner=(await _owner(backend, "other@example.com")).id)
    async with backend.uow() as uow:
        await uow.channels.add(other)
        await uow.commit()
    slots = run(cid, 1, T0, 3)
    async with backend.uow() as uow:
        await uow.schedules.add_generation(generation(cid, 1, slots))
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.schedules.slot(cid, slots[1].id) == slots[1]
        assert await uow.schedules.slot(other.id, slots[1].id) is None  # another channel's
        assert await uow.schedules.slot(cid, uuid.uuid4()) is None


async def test_pruning_drops_what_ended_before_the_cutoff_but_each_blocks_last_slot(
        backend: Backend) -> None:
    cid = await _channel(backend)
    a = run(cid, 1, T0, 4, block=BLOCK_A)                          # 12:00 .. 14:00
    b = run(cid, 1, T0 + 2 * H, 2, first_item=10, block=BLOCK_B)   # 14:00 .. 15:00
    later_a = run(cid, 1, T0 + 5 * H, 2, first_item=20, block=BLOCK_A)  # 17:00 .. 18:00
    async with backend.uow() as uow:
        await uow.schedules.add_generation(generation(cid, 1, [*a, *b, *later_a]))
        await uow.commit()
    cutoff = a[2].end_at  # 13:30: a[0..2] ended at or before it
    async with backend.uow() as uow:
        before = await uow.schedules.continuity(cid, T0 + 24 * H)
        assert await uow.schedules.prune_before(cutoff) == 2  # a[2] ends exactly at it: kept
        assert await uow.schedules.prune_before(cutoff) == 0
        await uow.commit()
    async with backend.uow() as uow:
        left = await uow.schedules.slots_between(cid, T0 - H, T0 + 24 * H)
        assert left == [a[2], a[3], *b, *later_a]
        # Way past everything: only each block's last slot survives, so a sequential
        # block still resumes where it was.
        assert await uow.schedules.prune_before(T0 + 48 * H) == 4
        await uow.commit()
    async with backend.uow() as uow:
        left = await uow.schedules.slots_between(cid, T0 - H, T0 + 24 * H)
        assert left == [b[1], later_a[1]]
        assert await uow.schedules.continuity(cid, T0 + 24 * H) == before
        assert await uow.schedules.history(cid, since=T0 - H) != []  # records stay


async def test_continuity_is_each_blocks_last_slot_at_or_before(backend: Backend) -> None:
    cid = await _channel(backend)
    a = run(cid, 1, T0, 3, block=BLOCK_A)  # 12:00, 12:30, 13:00
    b = run(cid, 1, T0 + 2 * H, 2, first_item=10, block=BLOCK_B)  # 14:00, 14:30
    async with backend.uow() as uow:
        await uow.schedules.add_generation(generation(cid, 1, [*a, *b]))
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.schedules.continuity(cid, T0 - M) == {}
        at_1230 = await uow.schedules.continuity(cid, T0 + 30 * M)
        assert set(at_1230) == {BLOCK_A}
        assert at_1230[BLOCK_A].last_item == a[1].item
        assert at_1230[BLOCK_A].last_start_at == a[1].start_at
        later = await uow.schedules.continuity(cid, T0 + 10 * H)
        assert later[BLOCK_A].last_start_at == a[2].start_at
        assert later[BLOCK_B].last_item == b[1].item
        assert later[BLOCK_B].block_id == BLOCK_B


async def test_history_since_or_recent_generations(backend: Backend) -> None:
    cid = await _channel(backend)
    g1 = generation(cid, 1, run(cid, 1, T0, 2, first_item=3))
    # generation 2 airs items 2 and 1 at the same instants order: sorted by (time, item)
    g2 = generation(cid, 2, [slot(cid, 2, T0 + 2 * H, 30, 2), slot(cid, 2, T0 + 3 * H, 30, 1)])
    g3 = generation(cid, 3, run(cid, 3, T0 + 4 * H, 1, first_item=7))
    async with backend.uow() as uow:
        for g in (g3, g1, g2):
            await uow.schedules.add_generation(g)
        await uow.commit()
    async with backend.uow() as uow:
        h = uow.schedules.history
        assert [r.scheduled_at for r in await h(cid, since=T0)] == [
            T0, T0 + 30 * M, T0 + 2 * H, T0 + 3 * H, T0 + 4 * H]
        assert [r.generation for r in await h(cid, since=T0 + 3 * H)] == [2, 3]
        assert [r.generation for r in await h(cid, since=T0 + 9 * H, min_generation=2)] == [
            2, 2, 3]
        assert [r.generation for r in await h(cid, since=T0 + 4 * H, min_generation=1)] == [
            1, 1, 2, 2, 3]


async def test_history_ties_sort_by_item_id(backend: Backend) -> None:
    user = await _owner(backend)
    ch1, ch2 = make_channel(owner=user.id, number="1"), make_channel(owner=user.id, number="2")
    async with backend.uow() as uow:
        await uow.channels.add(ch1)
        await uow.channels.add(ch2)
        await uow.schedules.add_generation(generation(ch1.id, 1, [slot(ch1.id, 1, T0, 30, 9)]))
        await uow.commit()
    async with backend.uow() as uow:
        assert [r.item_id for r in await uow.schedules.history(ch1.id, since=T0)] == [
            slot(ch1.id, 1, T0, 30, 9).item.id]
        assert await uow.schedules.history(ch2.id, since=T0) == []


async def test_first_airings_are_the_earliest_record_per_item(backend: Backend) -> None:
    user = await _owner(backend)
    ch1, ch2 = make_channel(owner=user.id, number="1"), make_channel(owner=user.id, number="2")
    async with backend.uow() as uow:
        await uow.channels.add(ch1)
        await uow.channels.add(ch2)
        # item 1 airs at T0 and again at T0+2h; item 2 at T0+1h; item 3 only on channel 2
        await uow.schedules.add_generation(generation(ch1.id, 1, [
            slot(ch1.id, 1, T0, 30, 1), slot(ch1.id, 1, T0 + H, 30, 2)]))
        await uow.schedules.add_generation(generation(ch1.id, 2, [
            slot(ch1.id, 2, T0 + 2 * H, 30, 1)]))
        await uow.schedules.add_generation(generation(ch2.id, 1, [
            slot(ch2.id, 1, T0 - H, 30, 3), slot(ch2.id, 1, T0, 30, 1)]))
        await uow.commit()
    one, two, three = (slot(ch1.id, 1, T0, 30, n).item.id for n in (1, 2, 3))
    async with backend.uow() as uow:
        first = uow.schedules.first_airings
        assert await first(ch1.id, [one, two, three]) == {one: T0, two: T0 + H}
        assert await first(ch1.id, [two, two]) == {two: T0 + H}
        assert await first(ch2.id, [one, three]) == {one: T0, three: T0 - H}
        assert await first(ch1.id, []) == {}
        # more ids than one IN list holds
        many = [slot(ch1.id, 1, T0, 30, n).item.id for n in range(10, 1300)]
        assert await first(ch1.id, [*many, one]) == {one: T0}


# -- unit of work -------------------------------------------------------------------------

async def test_nothing_is_stored_without_commit(backend: Backend) -> None:
    cid = await _channel(backend)
    async with backend.uow() as uow:
        await uow.users.add(make_user("late@example.com"))
        await uow.schedules.add_generation(generation(cid, 1, run(cid, 1, T0, 2)))
    async with backend.uow() as uow:
        assert await uow.users.count() == 1
        assert await uow.schedules.latest(cid) is None


async def test_rollback_discards_and_the_unit_stays_usable(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.users.add(make_user("a@example.com"))
        await uow.rollback()
        await uow.users.add(make_user("b@example.com"))
        await uow.commit()
        await uow.users.add(make_user("c@example.com"))  # never committed
    async with backend.uow() as uow:
        assert await uow.users.get_by_email(Email("a@example.com")) is None
        assert await uow.users.get_by_email(Email("b@example.com")) is not None
        assert await uow.users.get_by_email(Email("c@example.com")) is None


async def test_an_error_after_storing_a_generation_leaves_nothing(backend: Backend) -> None:
    cid = await _channel(backend)

    async def store_then_fail() -> None:
        async with backend.uow() as uow:
            assert await uow.schedules.discard_after(cid, T0) == 0
            await uow.schedules.add_generation(generation(cid, 1, run(cid, 1, T0, 48)))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await store_then_fail()
    async with backend.uow() as uow:
        assert await uow.schedules.latest(cid) is None
        assert await uow.schedules.slots_between(cid, T0 - H, T0 + 48 * H) == []
        assert await uow.schedules.history(cid, since=T0 - H) == []


async def test_a_failing_slot_leaves_nothing_of_its_generation(backend: Backend) -> None:
    cid = await _channel(backend)
    first = generation(cid, 1, run(cid, 1, T0, 2))
    async with backend.uow() as uow:
        await uow.schedules.add_generation(first)
        await uow.commit()
    # The 40th slot reuses a stored slot's id: the database refuses that row.
    bad = run(cid, 2, T0 + 2 * H, 40)
    bad[-1] = dataclasses.replace(bad[-1], id=first.slots[0].id)
    async with backend.uow() as uow:
        with pytest.raises(Conflict):
            await uow.schedules.add_generation(generation(cid, 2, bad))
        await uow.commit()
    async with backend.uow() as uow:
        latest = await uow.schedules.latest(cid)
        assert latest is not None
        assert latest.generation == 1
        assert await uow.schedules.slots_between(cid, T0, T0 + 48 * H) == list(first.slots)
        assert len(await uow.schedules.history(cid, since=T0 - H)) == 2


async def test_heads_name_each_channels_newest_generation(backend: Backend) -> None:
    async with backend.uow() as uow:
        assert await uow.schedules.heads() == {}
    owner = await _owner(backend)
    a, b, idle = (make_channel(owner=owner.id, number=n) for n in ("1", "2", "3"))
    async with backend.uow() as uow:
        for ch in (a, b, idle):
            await uow.channels.add(ch)
        await uow.schedules.add_generation(generation(a.id, 1, run(a.id, 1, T0, 2)))
        await uow.schedules.add_generation(
            generation(a.id, 2, run(a.id, 2, T0 + H, 2), valid_from=T0 + H))
        await uow.schedules.add_generation(generation(b.id, 1, run(b.id, 1, T0, 1)))
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.schedules.heads() == {
            a.id: ScheduleHead(owner_id=owner.id, generation=2),
            b.id: ScheduleHead(owner_id=owner.id, generation=1),
            idle.id: ScheduleHead(owner_id=owner.id, generation=0)}
        await uow.channels.delete(a.id)
        await uow.commit()
    async with backend.uow() as uow:
        assert set(await uow.schedules.heads()) == {b.id, idle.id}
