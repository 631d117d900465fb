"""UserService.login_oidc: find by subject, link a verified email, or create."""

from __future__ import annotations

import pytest

from fakes import FakeClock, FakePasswordHasher, InMemoryStore
from ktv_domain import AccountLinkRefused, Email, OidcError, RegistrationClosed
from ktv_domain.services import UserService

ISSUER = "https://idp.example.com"


async def test_a_new_identity_creates_an_account_and_the_first_is_admin(
        users: UserService, store: InMemoryStore) -> None:
    first = await users.login_oidc(ISSUER, "sub-1", "  Alice@Example.com", True)
    second = await users.login_oidc(ISSUER, "sub-2", "bob@example.com", False)
    assert first.email.value == "alice@example.com"
    assert first.oidc_subject == f"{ISSUER}|sub-1"
    assert first.password_hash is None
    assert first.is_admin
    assert not second.is_admin
    async with store.uow() as uow:
        assert await uow.users.get_by_oidc_subject(f"{ISSUER}|sub-2") == second
        assert await uow.users.count() == 2


async def test_the_same_identity_finds_the_same_account_whatever_the_email(
        users: UserService) -> None:
    created = await users.login_oidc(ISSUER, "sub-1", "alice@example.com", True)
    again = await users.login_oidc(ISSUER, "sub-1", "renamed@example.com", False)
    assert again == created
    # No email needed to find a linked account.
    assert await users.login_oidc(ISSUER, "sub-1", None, False) == created


async def test_the_same_subject_at_another_issuer_is_another_identity(
        users: UserService) -> None:
    a = await users.login_oidc(ISSUER, "sub-1", "a@example.com", True)
    b = await users.login_oidc("https://other.example.com", "sub-1", "b@example.com", True)
    assert a.id != b.id


async def test_a_verified_email_links_the_existing_account(
        users: UserService, store: InMemoryStore) -> None:
    registered = await users.register("alice@example.com", "password1")
    linked = await users.login_oidc(ISSUER, "sub-1", "ALICE@example.com", True)
    assert linked.id == registered.id
    assert linked.oidc_subject == f"{ISSUER}|sub-1"
    assert linked.password_hash == registered.password_hash
    async with store.uow() as uow:
        stored = await uow.users.get_by_email(Email("alice@example.com"))
    assert stored is not None
    assert stored.oidc_subject == f"{ISSUER}|sub-1"
    assert await users.authenticate("alice@example.com", "password1") == stored


async def test_an_unverified_email_never_links(users: UserService,
                                               store: InMemoryStore) -> None:
    await users.register("alice@example.com", "password1")
    with pytest.raises(AccountLinkRefused, match="not verified"):
        await users.login_oidc(ISSUER, "sub-1", "alice@example.com", False)
    async with store.uow() as uow:
        stored = await uow.users.get_by_email(Email("alice@example.com"))
        assert stored is not None
        assert stored.oidc_subject is None
        assert await uow.users.count() == 1


async def test_an_account_linked_to_another_identity_is_not_relinked(
        users: UserService) -> None:
    await users.login_oidc(ISSUER, "sub-1", "alice@example.com", True)
    with pytest.raises(AccountLinkRefused, match="another identity"):
        await users.login_oidc(ISSUER, "sub-2", "alice@example.com", True)


async def test_closed_registration_refuses_new_identities_but_still_links(
        store: InMemoryStore, hasher: FakePasswordHasher, clock: FakeClock) -> None:
    open_ = UserService(store.uow, hasher, clock)
    await open_.register("alice@example.com", "password1")
    closed = UserService(store.uow, hasher, clock, allow_registration=False)
    with pytest.raises(RegistrationClosed):
        await closed.login_oidc(ISSUER, "sub-new", "new@example.com", True)
    linked = await closed.login_oidc(ISSUER, "sub-1", "alice@example.com", True)
    assert linked.email.value == "alice@example.com"


@pytest.mark.parametrize(("issuer", "subject", "email", "code"), [
    ("", "sub", "a@example.com", "invalid_id_token"),
    (ISSUER, "", "a@example.com", "invalid_id_token"),
    (ISSUER, "sub", None, "email_missing"),
    (ISSUER, "sub", "not an email", "email_invalid"),
])
async def test_unusable_identities_are_refused(users: UserService, issuer: str, subject: str,
                                               email: str | None, code: str) -> None:
    with pytest.raises(OidcError) as info:
        await users.login_oidc(issuer, subject, email, True)
    assert info.value.code == code
