from __future__ import annotations

import pytest

from fakes import FakeClock, FakeMediaProvider, FakePasswordHasher, InMemoryStore
from ktv_domain import User
from ktv_domain.services import ChannelService, ScheduleService, UserService
from support import T0, make_item


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def media() -> FakeMediaProvider:
    return FakeMediaProvider([make_item(i, 600 + 120 * i, genres=("Comedy",))
                              for i in range(20)])


@pytest.fixture
def hasher() -> FakePasswordHasher:
    return FakePasswordHasher()


@pytest.fixture
def users(store: InMemoryStore, hasher: FakePasswordHasher, clock: FakeClock) -> UserService:
    return UserService(store.uow, hasher, clock)


@pytest.fixture
def channels(store: InMemoryStore, clock: FakeClock) -> ChannelService:
    return ChannelService(store.uow, clock)


@pytest.fixture
def schedules(store: InMemoryStore, media: FakeMediaProvider,
              clock: FakeClock) -> ScheduleService:
    return ScheduleService(store.uow, media, clock)


@pytest.fixture
async def owner(users: UserService) -> User:
    return await users.register("owner@example.com", "correct horse")


@pytest.fixture
async def other(users: UserService) -> User:
    return await users.register("other@example.com", "battery staple")
