from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta

import pytest

from fakes import FakeClock, FakeMediaProvider, InMemoryStore, InMemoryUnitOfWork
from ktv_domain import (
    AlgorithmicContent,
    Channel,
    Conflict,
    FillStrategy,
    ManualContent,
    MediaFilter,
    MediaSourceNotConfigured,
    MediaSourceUnavailable,
    NotFound,
    ScheduledSlot,
    User,
    ValidationError,
    WarningCode,
)
from ktv_domain.services import BlockSpec, ChannelService, ChannelSpec, ScheduleService
from support import item_id


def algo(name: str, start: time, mins: int, strategy: FillStrategy) -> BlockSpec:
    return BlockSpec(name=name, start_time=start, duration_mins=mins,
                     content=AlgorithmicContent(filter=MediaFilter(), strategy=strategy))


@pytest.fixture
async def channel(channels: ChannelService, owner: User) -> Channel:
    return await channels.create(owner.id, ChannelSpec(name="All day", blocks=[
        algo("Day", time(6), 720, FillStrategy.SEQUENTIAL),
        algo("Night", time(18), 720, FillStrategy.RANDOM)]))


def no_overlaps(slots: list[ScheduledSlot]) -> bool:
    return all(a.end_at <= b.start_at for a, b in itertools.pairwise(slots))


async def test_generate_stores_a_numbered_generation(schedules: ScheduleService, owner: User,
                                                     channel: Channel,
                                                     store: InMemoryStore) -> None:
    g = await schedules.generate(owner.id, channel.id)
    assert g.generation == 1
    assert g.valid_until >= g.valid_from + timedelta(hours=48)
    assert g.slots
    assert store.data.slots[channel.id] == list(g.slots)
    assert len(store.data.records[channel.id]) == len(g.slots)
    g2 = await schedules.generate(owner.id, channel.id)
    assert g2.generation == 2


async def test_regenerating_never_cuts_what_is_on_air(schedules: ScheduleService, owner: User,
                                                      channel: Channel, clock: FakeClock,
                                                      store: InMemoryStore) -> None:
    await schedules.generate(owner.id, channel.id)
    clock.advance(timedelta(hours=5, minutes=7))
    before = await schedules.now(owner.id, channel.id)
    assert before is not None
    await schedules.generate(owner.id, channel.id)
    after = await schedules.now(owner.id, channel.id)
    assert after is not None
    assert after.slot == before.slot
    assert after.offset == before.offset
    slots = store.data.slots[channel.id]
    assert no_overlaps(slots)
    assert {s.generation for s in slots if s.start_at > clock.now()} == {2}
    # records of discarded future slots went with them
    assert len(store.data.records[channel.id]) == len(slots)


async def test_now_offset_and_gap(schedules: ScheduleService, owner: User, channels: ChannelService,
                                  clock: FakeClock) -> None:
    ch = await channels.create(owner.id, ChannelSpec(name="Evening", blocks=[
        algo("Evening", time(20), 60, FillStrategy.BEST_FIT)]))
    await schedules.generate(owner.id, ch.id)
    assert await schedules.now(owner.id, ch.id) is None  # 12:00 is in a gap: no-signal
    playing = await schedules.now(owner.id, ch.id, clock.now().replace(hour=20, minute=5))
    assert playing is not None
    assert playing.offset_secs == 300
    assert playing.slot.start_at == datetime(2026, 11, 21, 20, 0, tzinfo=UTC)


async def test_epg_window(schedules: ScheduleService, owner: User, channel: Channel,
                          clock: FakeClock) -> None:
    await schedules.generate(owner.id, channel.id)
    start = clock.now() + timedelta(hours=1)
    until = start + timedelta(hours=3)
    slots = await schedules.epg(owner.id, channel.id, start, until)
    assert slots
    assert all(s.end_at > start and s.start_at < until for s in slots)
    assert slots == sorted(slots, key=lambda s: s.start_at)
    with pytest.raises(ValidationError):
        await schedules.epg(owner.id, channel.id, until, start)
    with pytest.raises(ValidationError):
        await schedules.epg(owner.id, channel.id, start, start + timedelta(days=15))
    with pytest.raises(ValidationError):
        await schedules.epg(owner.id, channel.id, start.replace(tzinfo=None), until)


async def test_active_schedule(schedules: ScheduleService, owner: User, channel: Channel,
                               clock: FakeClock) -> None:
    with pytest.raises(NotFound):
        await schedules.active(owner.id, channel.id)
    g = await schedules.generate(owner.id, channel.id)
    active = await schedules.active(owner.id, channel.id)
    assert active.generation == g.generation
    assert active.slots[0].start_at <= clock.now() < active.slots[0].end_at
    assert active.slots[-1].end_at <= g.valid_until


async def test_ownership(schedules: ScheduleService, other: User, channel: Channel) -> None:
    for call in (schedules.generate, schedules.now, schedules.epg, schedules.active):
        with pytest.raises(NotFound):
            await call(other.id, channel.id)


async def test_without_media_source(store: InMemoryStore, clock: FakeClock, owner: User,
                                    channel: Channel) -> None:
    service = ScheduleService(store.uow, None, clock)
    with pytest.raises(MediaSourceNotConfigured, match="MEDIA_DIRS"):
        await service.generate(owner.id, channel.id)


async def test_media_source_down(schedules: ScheduleService, owner: User, channel: Channel,
                                 media: FakeMediaProvider, store: InMemoryStore) -> None:
    media.fail_with = MediaSourceUnavailable("jellyfin at http://jf:8096 is unreachable")
    with pytest.raises(MediaSourceUnavailable):
        await schedules.generate(owner.id, channel.id)
    assert channel.id not in store.data.generations


async def test_partial_failure_becomes_a_warning(channels: ChannelService, owner: User,
                                                 schedules: ScheduleService,
                                                 media: FakeMediaProvider) -> None:
    ch = await channels.create(owner.id, ChannelSpec(name="Mixed", blocks=[
        algo("Day", time(6), 60, FillStrategy.BEST_FIT),
        BlockSpec(name="Manual", start_time=time(8), duration_mins=60,
                  content=ManualContent(items=(item_id(1), item_id(999))))]))
    g = await schedules.generate(owner.id, ch.id)
    assert {w.code for w in g.warnings} == {WarningCode.UNKNOWN_ITEMS}
    assert len(media.calls) == 2  # one find_items (one distinct filter), one get_items


async def test_extend_if_needed(schedules: ScheduleService, owner: User, channel: Channel,
                                clock: FakeClock) -> None:
    first = await schedules.extend_if_needed(channel)  # nothing yet: generates
    assert first is not None
    assert await schedules.extend_if_needed(channel) is None  # plenty left
    clock.advance(first.valid_until - clock.now() - timedelta(hours=23))  # < half left
    ext = await schedules.extend_if_needed(channel)
    assert ext is not None
    assert ext.generation == 2
    assert ext.valid_from == first.valid_until  # appended, nothing replaced
    assert ext.slots[0].start_at >= first.valid_until


async def test_concurrent_winner_causes_a_retry(store: InMemoryStore, media: FakeMediaProvider,
                                                clock: FakeClock, owner: User,
                                                channel: Channel) -> None:
    """Someone stores a generation between our read and our write: we retry, never double."""
    competitor = ScheduleService(store.uow, media, clock)
    opened = 0

    class RaceOnWrite(InMemoryUnitOfWork):
        async def __aenter__(self) -> RaceOnWrite:
            nonlocal opened
            opened += 1
            if opened == 3:  # 1: ownership check, 2: read state, 3: our write
                await competitor.generate(owner.id, channel.id)
            return await super().__aenter__()

    racing = ScheduleService(lambda: RaceOnWrite(store), media, clock)
    g = await racing.generate(owner.id, channel.id)
    assert g.generation == 2
    assert sorted(store.data.generations[channel.id]) == [1, 2]
    assert no_overlaps(store.data.slots[channel.id])


async def test_conflict_is_raised_after_retries(store: InMemoryStore, media: FakeMediaProvider,
                                                clock: FakeClock, owner: User,
                                                channel: Channel) -> None:
    class AlwaysLoses(ScheduleService):
        async def _run_once(self, channel, at, media):  # type: ignore[no-untyped-def]
            raise Conflict("generation 1 already exists")

    with pytest.raises(Conflict):
        await AlwaysLoses(store.uow, media, clock).generate(owner.id, channel.id)
