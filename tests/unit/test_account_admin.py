"""Account administration (``ktv user ...``) and self-deletion, on the in-memory store."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from fakes import FakeClock, FakePasswordHasher, InMemoryStore
from ktv_domain import DuplicateEmail, Forbidden, NotFound, UserId, ValidationError
from ktv_domain.services import RECENT_LOGIN, AccountAdmin, UserService
from support import make_channel, make_user


@pytest.fixture
def admin(store: InMemoryStore, hasher: FakePasswordHasher, clock: FakeClock,
          users: UserService) -> AccountAdmin:
    return AccountAdmin(store.uow, hasher, clock, users)


async def test_create_list_promote_demote(admin: AccountAdmin) -> None:
    first = await admin.create("Zed@Example.com", "password-1")
    second = await admin.create("amy@example.com", "password-2")
    third = await admin.create("bob@example.com", "password-3", admin=True)
    assert first.is_admin  # the first account on a server is an admin
    assert not second.is_admin
    assert third.is_admin
    assert [str(u.email) for u in await admin.list()] == [
        "amy@example.com", "bob@example.com", "zed@example.com"]
    assert (await admin.set_admin("AMY@example.com", True)).is_admin
    assert not (await admin.set_admin("zed@example.com", False)).is_admin
    flags = {str(u.email): u.is_admin for u in await admin.list()}
    assert flags == {"amy@example.com": True, "bob@example.com": True, "zed@example.com": False}
    with pytest.raises(DuplicateEmail):
        await admin.create("amy@example.com", "password-4")


async def test_set_password_replaces_the_old_one(admin: AccountAdmin, users: UserService) -> None:
    await admin.create("a@example.com", "password-1")
    await admin.set_password("a@example.com", "password-2")
    assert (await users.authenticate("a@example.com", "password-2")).email.value == \
        "a@example.com"
    with pytest.raises(ValidationError):
        await admin.set_password("a@example.com", "short")


async def test_unknown_emails_are_not_found(admin: AccountAdmin) -> None:
    for change in (admin.set_password("x@example.com", "password-1"),
                   admin.set_admin("x@example.com", True), admin.delete("x@example.com"),
                   admin.delete("not an email")):
        with pytest.raises(NotFound):
            await change


async def test_delete_cascades_and_tells_listeners(admin: AccountAdmin, users: UserService,
                                                   store: InMemoryStore) -> None:
    user = await admin.create("a@example.com", "password-1")
    keep = await admin.create("b@example.com", "password-2")
    await users.rotate_feed_token(user.id)
    async with store.uow() as uow:
        await uow.channels.add(make_channel(owner=user.id))
        await uow.channels.add(make_channel(owner=keep.id))
        await uow.commit()
    told: list[UserId] = []
    users.on_delete(told.append)
    await admin.delete("A@example.com")
    assert told == [user.id]
    async with store.uow() as uow:
        assert await uow.users.get(user.id) is None
        assert await uow.channels.list_by_owner(user.id) == []
        assert await uow.feed_tokens.list(user.id) == []
        assert len(await uow.channels.list_by_owner(keep.id)) == 1


async def test_deleting_yourself_needs_your_password(admin: AccountAdmin,
                                                     clock: FakeClock) -> None:
    user = await admin.create("a@example.com", "password-1")
    long_ago = clock.now() - timedelta(days=1)
    with pytest.raises(Forbidden, match="send it"):
        await admin.delete_own(user, password=None, signed_in_at=clock.now())
    with pytest.raises(Forbidden):
        await admin.delete_own(user, password="password-2", signed_in_at=clock.now())
    await admin.delete_own(user, password="password-1", signed_in_at=long_ago)
    assert await admin.list() == []


async def test_an_account_without_password_needs_a_recent_sign_in(
        admin: AccountAdmin, store: InMemoryStore, clock: FakeClock) -> None:
    user = dataclasses.replace(make_user("sso@example.com"), password_hash=None)
    async with store.uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    with pytest.raises(Forbidden):
        await admin.delete_own(user, password=None,
                               signed_in_at=clock.now() - RECENT_LOGIN - timedelta(seconds=1))
    await admin.delete_own(user, password="ignored", signed_in_at=clock.now() - RECENT_LOGIN)
    assert await admin.list() == []
