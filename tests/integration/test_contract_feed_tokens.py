"""Feed tokens (FeedTokenRepository): one contract for the fake, SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from integration.conftest import Backend
from ktv_domain import (
    Conflict,
    FeedToken,
    NotFound,
    UserId,
    hash_feed_token,
    new_feed_token,
)
from support import T0, make_user


def _token(user_id: UserId, name: str = "default", *, secret: str | None = None,
           micros: int = 123) -> FeedToken:
    return FeedToken(id=uuid.uuid4(), user_id=user_id, name=name,
                     token_hash=hash_feed_token(secret or new_feed_token()),
                     created_at=T0 + timedelta(microseconds=micros))


async def _users(b: Backend, *emails: str) -> list[UserId]:
    users = [make_user(e) for e in emails]
    async with b.uow() as uow:
        for u in users:
            await uow.users.add(u)
        await uow.commit()
    return [u.id for u in users]


async def _put(b: Backend, *tokens: FeedToken) -> None:
    async with b.uow() as uow:
        for t in tokens:
            await uow.feed_tokens.put(t)
        await uow.commit()


async def test_put_list_find_round_trip(backend: Backend) -> None:
    ann, bob = await _users(backend, "ann@example.com", "bob@example.com")
    default, jellyfin = _token(ann, micros=2), _token(ann, "jellyfin", micros=1)
    async with backend.uow() as uow:
        assert await uow.feed_tokens.list(ann) == []
    await _put(backend, default, jellyfin)
    async with backend.uow() as uow:
        # oldest first; microseconds and UTC survive
        assert await uow.feed_tokens.list(ann) == [jellyfin, default]
        assert await uow.feed_tokens.find(default.token_hash) == default
        assert await uow.feed_tokens.find(jellyfin.token_hash) == jellyfin
        assert await uow.feed_tokens.find(hash_feed_token(new_feed_token())) is None
        assert await uow.feed_tokens.list(bob) == []


async def test_put_replaces_only_the_token_of_the_same_name(backend: Backend) -> None:
    (ann,) = await _users(backend, "ann@example.com")
    old, other, new = _token(ann, micros=1), _token(ann, "tv", micros=2), _token(ann, micros=3)
    await _put(backend, old, other)
    await _put(backend, new)
    async with backend.uow() as uow:
        assert await uow.feed_tokens.find(old.token_hash) is None
        assert await uow.feed_tokens.find(new.token_hash) == new
        assert await uow.feed_tokens.find(other.token_hash) == other
        assert await uow.feed_tokens.list(ann) == [other, new]


async def test_names_are_per_user(backend: Backend) -> None:
    ann, bob = await _users(backend, "ann@example.com", "bob@example.com")
    a, b = _token(ann, "tv"), _token(bob, "tv")
    await _put(backend, a, b)
    async with backend.uow() as uow:
        assert await uow.feed_tokens.list(ann) == [a]
        assert await uow.feed_tokens.list(bob) == [b]


async def test_a_hash_belongs_to_one_token(backend: Backend) -> None:
    ann, bob = await _users(backend, "ann@example.com", "bob@example.com")
    secret = new_feed_token()
    await _put(backend, _token(ann, secret=secret))
    async with backend.uow() as uow:
        with pytest.raises(Conflict):
            await uow.feed_tokens.put(_token(bob, secret=secret))
        with pytest.raises(Conflict):
            await uow.feed_tokens.put(_token(ann, "other", secret=secret))
        # the unit of work stays usable after the refused write
        await uow.feed_tokens.put(_token(bob))
        await uow.commit()
    async with backend.uow() as uow:
        found = await uow.feed_tokens.find(hash_feed_token(secret))
        assert found is not None
        assert found.user_id == ann
        assert len(await uow.feed_tokens.list(bob)) == 1


async def test_a_token_needs_an_existing_user(backend: Backend) -> None:
    async with backend.uow() as uow:
        with pytest.raises(NotFound):
            await uow.feed_tokens.put(_token(UserId(uuid.uuid4())))
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.users.count() == 0


async def test_delete_by_id_only_the_owners_and_idempotent(backend: Backend) -> None:
    ann, bob = await _users(backend, "ann@example.com", "bob@example.com")
    token, kept = _token(ann), _token(bob)
    await _put(backend, token, kept)
    async with backend.uow() as uow:
        assert await uow.feed_tokens.delete(bob, token.id) is False  # not Bob's
        assert await uow.feed_tokens.delete(ann, token.id) is True
        assert await uow.feed_tokens.delete(ann, token.id) is False
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.feed_tokens.find(token.token_hash) is None
        assert await uow.feed_tokens.list(bob) == [kept]


async def test_delete_named(backend: Backend) -> None:
    (ann,) = await _users(backend, "ann@example.com")
    default, tv = _token(ann, micros=1), _token(ann, "tv", micros=2)
    await _put(backend, default, tv)
    async with backend.uow() as uow:
        assert await uow.feed_tokens.delete_named(ann, "default") is True
        assert await uow.feed_tokens.delete_named(ann, "default") is False
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.feed_tokens.list(ann) == [tv]


async def test_touch_records_the_last_use(backend: Backend) -> None:
    (ann,) = await _users(backend, "ann@example.com")
    token = _token(ann)
    await _put(backend, token)
    at = T0 + timedelta(hours=1, microseconds=7)
    async with backend.uow() as uow:
        await uow.feed_tokens.touch(token.id, at)
        await uow.feed_tokens.touch(uuid.uuid4(), at)  # unknown: nothing happens
        await uow.commit()
    async with backend.uow() as uow:
        found = await uow.feed_tokens.find(token.token_hash)
        assert found is not None
        assert found.last_used_at == at


async def test_nothing_is_stored_without_commit(backend: Backend) -> None:
    (ann,) = await _users(backend, "ann@example.com")
    token = _token(ann)
    async with backend.uow() as uow:
        await uow.feed_tokens.put(token)
        assert await uow.feed_tokens.find(token.token_hash) == token  # own writes visible
    async with backend.uow() as uow:
        assert await uow.feed_tokens.list(ann) == []


async def test_deleting_a_user_removes_their_tokens(backend: Backend) -> None:
    ann, bob = await _users(backend, "ann@example.com", "bob@example.com")
    token, second, kept = _token(ann), _token(ann, "tv"), _token(bob)
    await _put(backend, token, second, kept)
    async with backend.uow() as uow:
        assert await uow.users.delete(ann)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.feed_tokens.find(token.token_hash) is None
        assert await uow.feed_tokens.find(second.token_hash) is None
        assert await uow.feed_tokens.list(ann) == []
        assert await uow.feed_tokens.find(kept.token_hash) == kept
