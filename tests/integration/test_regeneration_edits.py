"""Regenerating after the blocks were edited, on every backend.

An editor replaces, removes or moves the block on air, or sends a block back
without its id (a new block). Whatever the edit: the slot on air is kept, a
sequential series goes on from where *its own block* left it (a block created
anew starts at the first episode, never at another block's position), and the
pass in progress belongs to the block that aired it; cooldown records are the
channel's, whichever block aired them (``docs/scheduling.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest

from fakes import FakeClock, FakeMediaProvider, FakePasswordHasher
from integration.conftest import Backend
from ktv_domain import (
    AlgorithmicContent,
    Channel,
    ContentType,
    FillStrategy,
    MediaFilter,
    MediaItem,
    ProgrammingBlock,
    RecyclePolicy,
    ScheduledSlot,
    User,
)
from ktv_domain.services import (
    BlockSpec,
    ChannelChanges,
    ChannelService,
    ChannelSpec,
    ScheduleService,
    UserService,
)
from support import make_item

DAY1 = datetime(2026, 11, 21, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
#: Day 2, 11:10: the morning block airs its 9th episode (11:00-11:30).
EDIT_AT = DAY2 + timedelta(hours=11, minutes=10)


def series(name: str, first_n: int) -> list[MediaItem]:
    return [make_item(first_n + e, 1800, title=f"{name[0]}{e}", series_name=name,
                      season_number=1, episode_number=e, genres=(name,),
                      content_type=ContentType.EPISODE) for e in range(1, 31)]


FILMS = [make_item(100 + n, mins * 60, title=f"M{mins}", genres=("Film",),
                   content_type=ContentType.MOVIE)
         for n, mins in enumerate((120, 90, 60, 30))]


def seq(name: str, start: time, mins: int, genre: str) -> BlockSpec:
    return BlockSpec(name=name, start_time=start, duration_mins=mins,
                     content=AlgorithmicContent(filter=MediaFilter(genres=(genre,)),
                                                strategy=FillStrategy.SEQUENTIAL))


def spec_of(block: ProgrammingBlock, **changes: object) -> BlockSpec:
    """The block as an editor sends it back (with its id unless ``id=None``)."""
    fields: dict[str, object] = {
        "name": block.name, "start_time": block.start_time,
        "duration_mins": block.duration_mins, "content": block.content,
        "loop_on_finish": block.loop_on_finish, "id": block.id}
    fields.update(changes)
    return BlockSpec(**fields)  # type: ignore[arg-type]


@dataclass
class Station:
    clock: FakeClock
    channels: ChannelService
    schedules: ScheduleService
    backend: Backend
    owner: User
    channel: Channel

    def block(self, name: str) -> ProgrammingBlock:
        return next(b for b in self.channel.schedule_config.blocks if b.name == name)

    async def edit(self, *blocks: BlockSpec) -> None:
        self.channel = await self.channels.update(self.owner.id, self.channel.id,
                                                  ChannelChanges(blocks=list(blocks)))

    async def regenerate(self) -> list[ScheduledSlot]:
        """Regenerate now; every stored slot from the start of day 1, in order."""
        await self.schedules.generate(self.owner.id, self.channel.id)
        async with self.backend.uow() as uow:
            return await uow.schedules.slots_between(self.channel.id, DAY1,
                                                     DAY1 + timedelta(days=5))


async def station(backend: Backend, blocks: list[BlockSpec],
                  policy: RecyclePolicy | None = None) -> Station:
    """A channel generated at day 1 10:00 with ``blocks``; the clock then at EDIT_AT."""
    clock = FakeClock(DAY1 + timedelta(hours=10))
    users = UserService(backend.uow, FakePasswordHasher(), clock)
    owner = await users.register("editor@example.com", "correct horse")
    channels = ChannelService(backend.uow, clock)
    media = FakeMediaProvider([*series("Alpha", 0), *series("Beta", 50), *FILMS])
    schedules = ScheduleService(backend.uow, media, clock)
    channel = await channels.create(owner.id, ChannelSpec(
        name="Edited", blocks=blocks, recycle_policy=policy))
    await schedules.generate(owner.id, channel.id)
    clock.set(EDIT_AT)
    return Station(clock, channels, schedules, backend, owner, channel)


def titles(slots: list[ScheduledSlot], block: ProgrammingBlock, since: datetime,
           until: datetime) -> list[str]:
    return [s.item.title for s in slots
            if s.block_id == block.id and since <= s.start_at < until]


def at(day: datetime, hh: int, mm: int = 0) -> datetime:
    return day + timedelta(hours=hh, minutes=mm)


@pytest.fixture
async def alpha(backend: Backend) -> Station:
    """Alpha episodes every morning 10:00-13:00 and every evening 18:00-19:00, each
    block on its own position: by EDIT_AT the morning aired A1-A6 and A7-A8 and airs A9;
    the evening aired A1-A2."""
    s = await station(backend, [seq("Morning", time(10), 180, "Alpha"),
                                seq("Evening", time(18), 60, "Alpha")])
    async with backend.uow() as uow:
        on_air = await uow.schedules.slots_between(s.channel.id, EDIT_AT, EDIT_AT)
    assert [(x.item.title, x.start_at) for x in on_air] == [("A9", at(DAY2, 11))]
    return s


def assert_on_air_kept(slots: list[ScheduledSlot], morning: ProgrammingBlock) -> None:
    on_air = [x for x in slots if x.start_at <= EDIT_AT < x.end_at]
    assert [(x.item.title, x.block_id, x.generation) for x in on_air] == [
        ("A9", morning.id, 1)]


async def test_a_block_sent_back_without_its_id_starts_its_series_anew(alpha: Station) -> None:
    morning, evening = alpha.block("Morning"), alpha.block("Evening")
    await alpha.edit(spec_of(morning, id=None), spec_of(evening))
    new_morning = alpha.block("Morning")
    assert new_morning.id != morning.id
    slots = await alpha.regenerate()
    assert_on_air_kept(slots, morning)
    # Not A10 (the old block's next) nor A3 (the evening's next): the first episode.
    assert titles(slots, new_morning, EDIT_AT, at(DAY2, 13)) == ["A1", "A2", "A3"]
    assert titles(slots, new_morning, at(DAY2, 13), at(DAY2, 14)) == []
    assert titles(slots, new_morning, DAY2 + timedelta(days=1), at(DAY2, 37)) == [
        "A4", "A5", "A6", "A7", "A8", "A9"]
    assert titles(slots, evening, EDIT_AT, at(DAY2, 19)) == ["A3", "A4"]  # its own place


async def test_replacing_the_block_on_air_keeps_the_slot_and_starts_the_new_one(
        alpha: Station) -> None:
    morning, evening = alpha.block("Morning"), alpha.block("Evening")
    await alpha.edit(seq("Morning Beta", time(10), 180, "Beta"), spec_of(evening))
    beta = alpha.block("Morning Beta")
    slots = await alpha.regenerate()
    assert_on_air_kept(slots, morning)
    assert titles(slots, beta, EDIT_AT, at(DAY2, 13)) == ["B1", "B2", "B3"]
    assert next(x.start_at for x in slots if x.block_id == beta.id) == at(DAY2, 11, 30)
    assert titles(slots, evening, EDIT_AT, at(DAY2, 19)) == ["A3", "A4"]
    assert not [x for x in slots if x.block_id == morning.id and x.start_at > EDIT_AT]


async def test_removing_the_block_on_air_keeps_the_slot_then_dead_air(alpha: Station) -> None:
    morning, evening = alpha.block("Morning"), alpha.block("Evening")
    await alpha.edit(spec_of(evening))
    slots = await alpha.regenerate()
    assert_on_air_kept(slots, morning)
    after = [x for x in slots if x.start_at > EDIT_AT]
    assert {x.block_id for x in after} == {evening.id}
    assert after[0].start_at == at(DAY2, 18)
    assert titles(slots, evening, EDIT_AT, at(DAY2, 19)) == ["A3", "A4"]


@pytest.mark.parametrize(("start", "first_new"), [
    pytest.param(time(14), at(DAY2, 14), id="later the same day"),
    pytest.param(time(11), at(DAY2, 11, 30), id="still covering now"),
])
async def test_moving_the_block_on_air_keeps_its_place_in_the_series(
        alpha: Station, start: time, first_new: datetime) -> None:
    morning, evening = alpha.block("Morning"), alpha.block("Evening")
    await alpha.edit(spec_of(morning, start_time=start), spec_of(evening))
    assert alpha.block("Morning").id == morning.id
    slots = await alpha.regenerate()
    assert_on_air_kept(slots, morning)
    mine = [x for x in slots if x.block_id == morning.id and x.start_at > EDIT_AT]
    assert mine[0].start_at == first_new
    assert [x.item.title for x in mine[:3]] == ["A10", "A11", "A12"]  # after A9, its own
    assert titles(slots, evening, EDIT_AT, at(DAY2, 19)) == ["A3", "A4"]


def films(block_name: str) -> BlockSpec:
    return BlockSpec(name=block_name, start_time=time(10), duration_mins=360,
                     content=AlgorithmicContent(filter=MediaFilter(genres=("Film",)),
                                                strategy=FillStrategy.BEST_FIT))


@pytest.mark.parametrize(("keep_id", "after_on_air"), [
    # Sent back with its id (renamed): the pass in progress (M120, M90 aired) goes on.
    pytest.param(True, ["M60", "M30", "M60"], id="same block: its pass goes on"),
    # Without its id: a new block, a new pass - the old block's placements are not its own.
    pytest.param(False, ["M120", "M30"], id="new block: a fresh pass"),
])
async def test_the_pass_on_air_belongs_to_its_block(
        backend: Backend, keep_id: bool, after_on_air: list[str]) -> None:
    s = await station(backend, [films("Films")], RecyclePolicy(cooldown_days=None))
    s.clock.set(at(DAY1, 12, 10))  # M120 aired 10:00-12:00, M90 on air 12:00-13:30
    old = s.block("Films")
    await s.edit(spec_of(old, name="Films!", id=old.id if keep_id else None))
    new = s.block("Films!")
    assert (new.id == old.id) is keep_id
    slots = await s.regenerate()
    today = [x for x in slots if x.start_at < at(DAY1, 16)]
    assert [(x.item.title, x.block_id) for x in today[:2]] == [("M120", old.id),
                                                               ("M90", old.id)]
    assert today[2].start_at == at(DAY1, 13, 30)
    assert [x.item.title for x in today[2:]] == after_on_air
    assert {x.block_id for x in today[2:]} == {new.id}


async def test_cooldowns_count_what_any_block_aired(backend: Backend) -> None:
    """The new block aired M120 and M30 after the edit; M90 only ever aired in the old
    block. On day 2 all three are cooling down for the new block: only M60 is left."""
    s = await station(backend, [films("Films")],
                      RecyclePolicy(cooldown_days=7, min_available_ratio=0.0))
    s.clock.set(at(DAY1, 12, 10))
    await s.edit(spec_of(s.block("Films"), name="Films!", id=None))
    new = s.block("Films!")
    slots = await s.regenerate()
    # The occurrence in progress weighs what aired before its start (nothing): a new pass.
    assert titles(slots, new, DAY1, DAY2) == ["M120", "M30"]
    assert titles(slots, new, DAY2, DAY2 + timedelta(days=1)) == ["M60"] * 6


async def test_a_block_added_over_dead_air_starts_now_not_in_the_past(backend: Backend) -> None:
    """Generation 1 (10:00) left the morning as dead air; a block added over it at 10:40
    starts its first item at 10:40: the dead air that aired stays as the guide showed it
    (only a channel's very first generation joins an occurrence mid-item)."""
    s = await station(backend, [seq("Evening", time(18), 60, "Alpha")])
    s.clock.set(at(DAY1, 10, 40))
    await s.edit(spec_of(s.block("Evening")), seq("Morning", time(10), 180, "Beta"))
    slots = await s.regenerate()
    morning = [x for x in slots if x.block_id == s.block("Morning").id]
    assert (morning[0].start_at, morning[0].item.title) == (at(DAY1, 10, 40), "B1")
    assert not [x for x in slots if x.start_at < at(DAY1, 10, 40)]
