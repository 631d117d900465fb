"""Feed tokens and account-level security rules of UserService, on the in-memory store."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest

from fakes import FakeClock, FakePasswordHasher, InMemoryStore
from ktv_domain import (
    FEED_TOKEN_PREFIX,
    FEED_TOKEN_TOUCH_INTERVAL,
    MAX_FEED_TOKENS,
    Conflict,
    NotFound,
    UserId,
    ValidationError,
    hash_feed_token,
    is_feed_token_shaped,
    new_feed_token,
)
from ktv_domain.services import UserService


def test_tokens_are_prefixed_url_safe_and_distinct() -> None:
    tokens = {new_feed_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert token.startswith(FEED_TOKEN_PREFIX)
        assert len(token) == len(FEED_TOKEN_PREFIX) + 43  # 32 random bytes, base64url
        assert is_feed_token_shaped(token)
        assert token.replace("_", "").replace("-", "").isalnum()


@pytest.mark.parametrize("text", ["", "ktvf_", "ktvf_short", "x" * 48,
                                  "ktvf_" + "a" * 42 + "/", "ktvf_" + "a" * 44,
                                  "KTVF_" + "a" * 43, "ktvf_" + "a" * 42 + "\n"])
def test_strings_that_cannot_be_tokens_are_recognised(text: str) -> None:
    assert not is_feed_token_shaped(text)


def test_the_stored_form_is_the_sha256_hex() -> None:
    token = new_feed_token()
    assert hash_feed_token(token) == hashlib.sha256(token.encode()).hexdigest()
    assert token not in hash_feed_token(token)


async def test_rotate_resolve_and_revoke(users: UserService, store: InMemoryStore,
                                         clock: FakeClock) -> None:
    ann = await users.register("ann@example.com", "password1")
    issued = await users.rotate_feed_token(ann.id)
    assert issued.created_at == clock.now()
    assert issued.token not in repr(issued)
    stored = store.data.feed_tokens[issued.id]
    assert (stored.name, stored.user_id) == ("default", ann.id)
    assert stored.token_hash == hash_feed_token(issued.token)
    assert issued.token not in repr(store.data)  # only the hash is kept
    assert (await users.resolve_feed_token(issued.token)).id == ann.id

    clock.advance(timedelta(minutes=1))
    rotated = await users.rotate_feed_token(ann.id)
    assert rotated.token != issued.token
    assert [t.created_at for t in store.data.feed_tokens.values()] == [clock.now()]
    with pytest.raises(NotFound):
        await users.resolve_feed_token(issued.token)  # the old one stops at once
    assert (await users.resolve_feed_token(rotated.token)).id == ann.id

    assert await users.revoke_feed_token(ann.id) is True
    assert await users.revoke_feed_token(ann.id) is False
    with pytest.raises(NotFound):
        await users.resolve_feed_token(rotated.token)


async def test_tokens_are_per_user(users: UserService) -> None:
    ann = await users.register("ann@example.com", "password1")
    bob = await users.register("bob@example.com", "password2")
    a, b = await users.rotate_feed_token(ann.id), await users.rotate_feed_token(bob.id)
    await users.revoke_feed_token(ann.id)
    with pytest.raises(NotFound):
        await users.resolve_feed_token(a.token)
    assert (await users.resolve_feed_token(b.token)).id == bob.id


@pytest.mark.parametrize("token", ["", "garbage", "ktvf_" + "A" * 43, "/iptv/../x"])
async def test_unknown_tokens_all_get_the_same_not_found(users: UserService,
                                                         token: str) -> None:
    await users.rotate_feed_token((await users.register("a@example.com", "password1")).id)
    with pytest.raises(NotFound) as exc:
        await users.resolve_feed_token(token)
    assert exc.value.message == "unknown feed token"


async def test_a_token_for_a_missing_user_is_refused(users: UserService,
                                                     store: InMemoryStore) -> None:
    with pytest.raises(NotFound):
        await users.rotate_feed_token(UserId(uuid.uuid4()))
    assert store.data.feed_tokens == {}


async def test_deleting_a_user_ends_their_token_and_tells_listeners(
        users: UserService) -> None:
    ann = await users.register("ann@example.com", "password1")
    issued = await users.rotate_feed_token(ann.id)
    forgotten: list[UserId] = []
    users.on_delete(forgotten.append)
    await users.delete(ann.id)
    assert forgotten == [ann.id]
    with pytest.raises(NotFound):
        await users.resolve_feed_token(issued.token)


async def test_named_tokens_live_side_by_side(users: UserService, store: InMemoryStore,
                                             clock: FakeClock) -> None:
    ann = await users.register("ann@example.com", "password1")
    default = await users.rotate_feed_token(ann.id)
    clock.advance(timedelta(seconds=1))
    jellyfin = await users.create_feed_token(ann.id, "jellyfin")
    clock.advance(timedelta(seconds=1))
    tv = await users.create_feed_token(ann.id, "living-room")
    assert [t.name for t in await users.list_feed_tokens(ann.id)] == [
        "default", "jellyfin", "living-room"]
    # rotating one name leaves the others working
    rotated = await users.rotate_feed_token(ann.id, "jellyfin")
    for still in (default, tv, rotated):
        assert (await users.resolve_feed_token(still.token)).id == ann.id
    with pytest.raises(NotFound):
        await users.resolve_feed_token(jellyfin.token)
    # create refuses a taken name; delete by id is the owner's only
    with pytest.raises(Conflict, match="living-room"):
        await users.create_feed_token(ann.id, "living-room")
    bob = await users.register("bob@example.com", "password2")
    with pytest.raises(NotFound):
        await users.delete_feed_token(bob.id, tv.id)
    await users.delete_feed_token(ann.id, tv.id)
    with pytest.raises(NotFound):
        await users.resolve_feed_token(tv.token)
    with pytest.raises(NotFound):
        await users.delete_feed_token(ann.id, tv.id)
    assert {t.name for t in store.data.feed_tokens.values()} == {"default", "jellyfin"}


@pytest.mark.parametrize("name", ["", "Jellyfin", "-x", "a b", "x" * 41, "é"])
async def test_token_names_are_checked(users: UserService, name: str) -> None:
    ann = await users.register("ann@example.com", "password1")
    with pytest.raises(ValidationError) as exc:
        await users.create_feed_token(ann.id, name)
    assert exc.value.errors[0].field == "name"


async def test_at_most_max_tokens_per_user(users: UserService) -> None:
    ann = await users.register("ann@example.com", "password1")
    for n in range(MAX_FEED_TOKENS):
        await users.create_feed_token(ann.id, f"t{n}")
    with pytest.raises(Conflict, match="at most"):
        await users.create_feed_token(ann.id, "one-more")
    with pytest.raises(Conflict, match="at most"):
        await users.rotate_feed_token(ann.id)  # "default" would be a 21st
    await users.rotate_feed_token(ann.id, "t0")  # replacing one is fine


async def test_last_use_is_recorded_at_most_every_interval(users: UserService,
                                                           store: InMemoryStore,
                                                           clock: FakeClock) -> None:
    ann = await users.register("ann@example.com", "password1")
    issued = await users.rotate_feed_token(ann.id)
    assert store.data.feed_tokens[issued.id].last_used_at is None
    first = clock.now()
    await users.resolve_feed_token(issued.token)
    assert store.data.feed_tokens[issued.id].last_used_at == first
    commits = store.commits
    clock.advance(FEED_TOKEN_TOUCH_INTERVAL - timedelta(microseconds=1))
    await users.resolve_feed_token(issued.token)
    assert store.commits == commits  # no write inside the interval
    assert store.data.feed_tokens[issued.id].last_used_at == first
    clock.advance(timedelta(microseconds=1))
    await users.resolve_feed_token(issued.token)
    assert store.data.feed_tokens[issued.id].last_used_at == clock.now()
    assert await users.find_feed_token(issued.token) == store.data.feed_tokens[issued.id]
    assert await users.find_feed_token("garbage") is None


@pytest.mark.parametrize("password", ["short", "x" * 1025, "x" * 1_000_000])
async def test_login_refuses_out_of_range_passwords_before_any_hashing(
        store: InMemoryStore, clock: FakeClock, password: str) -> None:
    hasher = FakePasswordHasher()
    users = UserService(store.uow, hasher, clock)
    await users.register("a@example.com", "password1")
    before = (hasher.hash_calls, hasher.verify_calls)
    with pytest.raises(ValidationError) as exc:
        await users.authenticate("a@example.com", password)
    assert exc.value.errors[0].field == "password"
    assert (hasher.hash_calls, hasher.verify_calls) == before
