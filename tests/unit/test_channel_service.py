from __future__ import annotations

import uuid
from datetime import time

import pytest

from fakes import InMemoryStore
from ktv_domain import (
    AlgorithmicContent,
    BlockId,
    ChannelId,
    Conflict,
    FillStrategy,
    MediaFilter,
    NotFound,
    RecyclePolicy,
    User,
    ValidationError,
)
from ktv_domain.services import BlockSpec, ChannelChanges, ChannelService, ChannelSpec


def spec_block(name: str, start: time, mins: int, block_id: BlockId | None = None) -> BlockSpec:
    return BlockSpec(name=name, start_time=start, duration_mins=mins, id=block_id,
                     content=AlgorithmicContent(filter=MediaFilter(),
                                                strategy=FillStrategy.RANDOM))


async def test_create_assigns_numbers_and_defaults(channels: ChannelService, owner: User) -> None:
    a = await channels.create(owner.id, ChannelSpec(name="A"))
    b = await channels.create(owner.id, ChannelSpec(name="B", number="101.1"))
    c = await channels.create(owner.id, ChannelSpec(name="C"))
    assert (a.number, b.number, c.number) == ("1", "101.1", "102")
    assert a.timezone == "UTC"
    assert a.recycle_policy == RecyclePolicy()
    assert [ch.name for ch in await channels.list(owner.id)] == ["A", "B", "C"]


async def test_numbers_are_unique_per_owner(channels: ChannelService, owner: User,
                                            other: User) -> None:
    await channels.create(owner.id, ChannelSpec(name="A", number="5"))
    await channels.create(other.id, ChannelSpec(name="A", number="5"))
    with pytest.raises(Conflict):
        await channels.create(owner.id, ChannelSpec(name="B", number="5"))
    b = await channels.create(owner.id, ChannelSpec(name="B"))
    with pytest.raises(Conflict):
        await channels.update(owner.id, b.id, ChannelChanges(number="5"))


async def test_block_ids_generated_then_preserved(channels: ChannelService, owner: User) -> None:
    ch = await channels.create(owner.id, ChannelSpec(
        name="A", blocks=[spec_block("Morning", time(6), 60)]))
    kept = ch.schedule_config.blocks[0].id
    assert isinstance(kept, uuid.UUID)
    updated = await channels.update(owner.id, ch.id, ChannelChanges(blocks=[
        spec_block("Morning renamed", time(7), 90, kept), spec_block("Night", time(22), 60)]))
    ids = [b.id for b in updated.schedule_config.blocks]
    assert ids[0] == kept
    assert ids[1] != kept


async def test_partial_update_changes_only_given_fields(channels: ChannelService, owner: User,
                                                        store: InMemoryStore) -> None:
    ch = await channels.create(owner.id, ChannelSpec(
        name="A", description="d", timezone="Europe/London",
        blocks=[spec_block("Morning", time(6), 60)]))
    updated = await channels.update(owner.id, ch.id, ChannelChanges(name="B", enabled=False))
    assert (updated.name, updated.enabled) == ("B", False)
    assert updated.description == "d"
    assert updated.timezone == "Europe/London"
    assert updated.schedule_config == ch.schedule_config
    assert store.data.channels[ch.id] == updated
    reset = await channels.update(owner.id, ch.id, ChannelChanges(recycle_policy=None))
    assert reset.recycle_policy == RecyclePolicy()


async def test_overlapping_blocks_name_both(channels: ChannelService, owner: User) -> None:
    with pytest.raises(ValidationError) as exc:
        await channels.create(owner.id, ChannelSpec(name="A", blocks=[
            spec_block("Evening", time(20), 120), spec_block("Late", time(21), 60)]))
    err = exc.value.errors[0]
    assert err.field == "schedule_config.blocks[1]"
    assert "Evening" in err.message
    assert "Late" in err.message


async def test_invalid_block_fields_are_prefixed(channels: ChannelService, owner: User) -> None:
    with pytest.raises(ValidationError) as exc:
        await channels.create(owner.id, ChannelSpec(name="A", blocks=[
            spec_block("ok", time(1), 10), spec_block("bad", time(5), 0)]))
    assert [e.field for e in exc.value.errors] == ["schedule_config.blocks[1].duration_mins"]


async def test_invalid_timezone_on_update(channels: ChannelService, owner: User) -> None:
    ch = await channels.create(owner.id, ChannelSpec(name="A"))
    with pytest.raises(ValidationError) as exc:
        await channels.update(owner.id, ch.id, ChannelChanges(timezone="Nowhere/Land"))
    assert exc.value.errors[0].field == "timezone"


async def test_other_users_channels_do_not_exist_for_them(channels: ChannelService, owner: User,
                                                          other: User) -> None:
    ch = await channels.create(owner.id, ChannelSpec(name="Mine"))
    with pytest.raises(NotFound):
        await channels.get(other.id, ch.id)
    with pytest.raises(NotFound):
        await channels.update(other.id, ch.id, ChannelChanges(name="stolen"))
    with pytest.raises(NotFound):
        await channels.delete(other.id, ch.id)
    assert await channels.list(other.id) == []
    assert (await channels.get(owner.id, ch.id)).name == "Mine"


async def test_delete(channels: ChannelService, owner: User) -> None:
    ch = await channels.create(owner.id, ChannelSpec(name="A"))
    await channels.delete(owner.id, ch.id)
    with pytest.raises(NotFound):
        await channels.get(owner.id, ch.id)
    with pytest.raises(NotFound):
        await channels.delete(owner.id, ChannelId(uuid.uuid4()))
