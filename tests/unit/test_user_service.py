from __future__ import annotations

import pytest

from fakes import FakeClock, FakePasswordHasher, InMemoryStore
from ktv_domain import (
    AuthenticationFailed,
    DuplicateEmail,
    NotFound,
    RegistrationClosed,
    ValidationError,
)
from ktv_domain.services import UserService


async def test_first_user_is_admin_and_email_is_normalised(users: UserService) -> None:
    first = await users.register("  Alice@Example.COM ", "password1")
    second = await users.register("bob@example.com", "password2")
    assert first.email.value == "alice@example.com"
    assert first.is_admin
    assert not second.is_admin
    assert first.password_hash != "password1"


async def test_duplicate_email_conflicts(users: UserService) -> None:
    await users.register("a@example.com", "password1")
    with pytest.raises(DuplicateEmail):
        await users.register("A@example.com", "password2")


@pytest.mark.parametrize("password", ["short", "x" * 1025])
async def test_password_length_limits(users: UserService, password: str) -> None:
    with pytest.raises(ValidationError) as exc:
        await users.register("a@example.com", password)
    assert exc.value.errors[0].field == "password"


async def test_closed_registration(store: InMemoryStore, hasher: FakePasswordHasher,
                                   clock: FakeClock) -> None:
    closed = UserService(store.uow, hasher, clock, allow_registration=False)
    with pytest.raises(RegistrationClosed):
        await closed.register("a@example.com", "password1")
    assert store.data.users == {}


async def test_authenticate_same_error_for_unknown_email_and_wrong_password(
        users: UserService, hasher: FakePasswordHasher) -> None:
    user = await users.register("a@example.com", "password1")
    assert (await users.authenticate("A@EXAMPLE.com", "password1")).id == user.id
    messages = []
    for email, pw in [("a@example.com", "wrong-pass"), ("nobody@example.com", "password1"),
                      ("not-an-email", "password1")]:
        before = hasher.verify_calls
        with pytest.raises(AuthenticationFailed) as exc:
            await users.authenticate(email, pw)
        messages.append(exc.value.message)
        assert hasher.verify_calls == before + 1  # unknown emails cost a verification too
    assert len(set(messages)) == 1


async def test_rehash_on_login_when_parameters_change(store: InMemoryStore,
                                                      clock: FakeClock) -> None:
    old = UserService(store.uow, FakePasswordHasher(version=1), clock)
    user = await old.register("a@example.com", "password1")
    new = UserService(store.uow, FakePasswordHasher(version=2), clock)
    await new.authenticate("a@example.com", "password1")
    stored = store.data.users[user.id].password_hash
    assert stored is not None
    assert stored.startswith("fake$v2$")


async def test_get_and_delete(users: UserService) -> None:
    user = await users.register("a@example.com", "password1")
    assert (await users.get(user.id)).email == user.email
    await users.delete(user.id)
    with pytest.raises(NotFound):
        await users.get(user.id)
    with pytest.raises(NotFound):
        await users.delete(user.id)
