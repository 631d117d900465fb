from __future__ import annotations

from datetime import time

import pytest

from fakes import FakeClock, FakeMediaProvider, InMemoryStore
from ktv_domain import Channel, ContentType, User
from support import make_block, make_channel, make_item, make_user


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def media() -> FakeMediaProvider:
    return FakeMediaProvider(make_item(n, 1500, content_type=ContentType.EPISODE)
                             for n in range(1, 40))


@pytest.fixture
async def owner(store: InMemoryStore) -> User:
    user = make_user()
    async with store.uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def add_channel(store: InMemoryStore, owner: User, number: str = "1",
                      enabled: bool = True) -> Channel:
    import dataclasses

    ch = dataclasses.replace(
        make_channel([make_block(time(0, 0), 1440)], owner=owner.id, number=number),
        enabled=enabled)
    async with store.uow() as uow:
        await uow.channels.add(ch)
        await uow.commit()
    return ch
