"""Bearer authentication: token and user caches that never change an answer."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from fakes import FakeClock, FakeMonotonic, FakePasswordHasher, InMemoryStore
from ktv_api.security import Authenticator
from ktv_auth import JwtSettings, JwtTokens, TokenClaims
from ktv_domain import AuthenticationFailed, User, UserId
from ktv_domain.services import UserService


class CountingTokens:
    def __init__(self, tokens: JwtTokens) -> None:
        self.tokens = tokens
        self.verified = 0

    def verify(self, token: str) -> TokenClaims:
        self.verified += 1
        return self.tokens.verify(token)


class CountingUsers(UserService):
    reads = 0

    async def get(self, user_id: UserId) -> User:
        self.reads += 1
        await asyncio.sleep(0.01)  # a database round trip: concurrent callers overlap
        return await super().get(user_id)



Setup = tuple[Authenticator, CountingTokens, CountingUsers, FakeMonotonic, str, User]


@pytest.fixture
async def setup(store: InMemoryStore, clock: FakeClock) -> tuple[
        Authenticator, CountingTokens, CountingUsers, FakeMonotonic, str, User]:
    users = CountingUsers(store.uow, FakePasswordHasher(), clock)
    user = await users.register("viewer@example.com", "password123")
    jwt = JwtTokens(JwtSettings(secret="s" * 40, expiry_hours=1), clock)
    tokens, ticks = CountingTokens(jwt), FakeMonotonic()
    auth = Authenticator(tokens, users, ttl=10.0, monotonic=ticks, clock=clock)
    return auth, tokens, users, ticks, f"Bearer {jwt.issue(user).token}", user


async def test_a_token_is_verified_once_while_cached_and_refused_once_expired(
        setup: Setup,
        clock: FakeClock) -> None:
    auth, tokens, _, ticks, header, user = setup
    for _ in range(5):
        assert (await auth.user(header)).id == user.id
    assert tokens.verified == 1
    clock.advance(timedelta(hours=1, seconds=31))  # past expiry and the 30 s leeway
    with pytest.raises(AuthenticationFailed):
        await auth.user(header)
    clock.advance(timedelta(hours=-1, seconds=-41))  # set back to before the verification
    ticks.t += 1
    assert (await auth.user(header)).id == user.id
    assert tokens.verified == 3


async def test_concurrent_misses_share_one_read_and_deleted_users_are_refused(
        setup: Setup, store: InMemoryStore) -> None:
    auth, _, users, ticks, header, user = setup
    found = await asyncio.gather(*(auth.user(header) for _ in range(16)))
    assert {u.id for u in found} == {user.id}
    assert users.reads == 1
    async with store.uow() as uow:  # deleted by another process or replica
        await uow.users.delete(user.id)
        await uow.commit()
    assert (await auth.user(header)).id == user.id  # known for the ttl
    ticks.t += 10.5
    with pytest.raises(AuthenticationFailed, match="no longer exists"):
        await auth.user(header)


async def test_forget_drops_a_user_at_once(
        setup: Setup) -> None:
    auth, tokens, users, _, header, user = setup
    await auth.user(header)
    await users.delete(user.id)
    auth.forget(user.id)
    with pytest.raises(AuthenticationFailed):
        await auth.user(header)
    assert tokens.verified == 2


async def test_a_user_deleted_through_the_service_is_forgotten_at_once(
        setup: Setup) -> None:
    auth, tokens, users, _, header, user = setup
    await auth.user(header)  # user and token now cached
    await users.delete(user.id)  # the service tells the authenticator
    with pytest.raises(AuthenticationFailed, match="no longer exists"):
        await auth.user(header)
    assert tokens.verified == 2  # the token's cache entry went too


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "Bearer not.a.jwt"])
async def test_missing_or_malformed_headers_are_refused(
        setup: Setup,
        header: str | None) -> None:
    with pytest.raises(AuthenticationFailed):
        await setup[0].user(header)
