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


def _token(user_id: UserId, *, secret: str | None = None, micros: int = 123) -> FeedToken:
    return FeedToken(user_id=user_id, token_hash=hash_feed_token(secret or new_feed_token()),
                     created_at=T0 + timedelta(microseconds=micros))


async def _users(b: Backend, *emails: str) -> list[UserId]:
    users = [make_user(e) for e in emails]
    async with b.uow() as uow:
        for u in users:
            await uow.users.add(u)
        await uow.commit()
    return [u.id for u in users]


async def test_put_get_find_round_trip(backend: Backend) -> None:
    ann, bob = await _users(backend, "ann@example.com", "bob@example.com")
    token = _token(ann)
    async with backend.uow() as uow:
        assert await uow.feed_tokens.get(ann) is None
        await uow.feed_tokens.put(token)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.feed_tokens.get(ann) == token  # microseconds and UTC survive
        assert await uow.feed_tokens.find(token.token_hash) == token
        assert await uow.feed_tokens.find(hash_feed_token(new_feed_token())) is None
        assert await uow.feed_tokens.get(bob) is None


async def test_put_replaces_the_users_token_and_the_old_hash_is_gone(backend: Backend) -> None:
    (ann,) = await _users(backend, "ann@example.com")
    old, new = _token(ann, micros=1), _token(ann, micros=2)
    async with backend.uow() as uow:
        await uow.feed_tokens.put(old)
        await uow.commit()
    async with backend.uow() as uow:
        await uow.feed_tokens.put(new)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.feed_tokens.find(old.token_hash) is None
        assert await uow.feed_tokens.find(new.token_hash) == new
        assert await uow.feed_tokens.get(ann) == new


async def test_a_hash_belongs_to_one_user(backend: Backend) -> None:
    ann, bob = await _users(backend, "ann@example.com", "bob@example.com")
    secret = new_feed_token()
    async with backend.uow() as uow:
        await uow.feed_tokens.put(_token(ann, secret=secret))
        await uow.commit()
    async with backend.uow() as uow:
        with pytest.raises(Conflict):
            await uow.feed_tokens.put(_token(bob, secret=secret))
        # the unit of work stays usable after the refused write
        await uow.feed_tokens.put(_token(bob))
        await uow.commit()
    async with backend.uow() as uow:
        found = await uow.feed_tokens.find(hash_feed_token(secret))
        assert found is not None
        assert found.user_id == ann
        assert await uow.feed_tokens.get(bob) is not None


async def test_a_token_needs_an_existing_user(backend: Backend) -> None:
    async with backend.uow() as uow:
        with pytest.raises(NotFound):
            await uow.feed_tokens.put(_token(UserId(uuid.uuid4())))
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.users.count() == 0


async def test_delete_is_idempotent(backend: Backend) -> None:
    ann, bob = await _users(backend, "ann@example.com", "bob@example.com")
    token, kept = _token(ann), _token(bob)
    async with backend.uow() as uow:
        await uow.feed_tokens.put(token)
        await uow.feed_tokens.put(kept)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.feed_tokens.delete(ann) is True
        assert await uow.feed_tokens.delete(ann) is False
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.feed_tokens.find(token.token_hash) is None
        assert await uow.feed_tokens.get(bob) == kept


async def test_nothing_is_stored_without_commit(backend: Backend) -> None:
    (ann,) = await _users(backend, "ann@example.com")
    token = _token(ann)
    async with backend.uow() as uow:
        await uow.feed_tokens.put(token)
        assert await uow.feed_tokens.find(token.token_hash) == token  # own writes visible
    async with backend.uow() as uow:
        assert await uow.feed_tokens.get(ann) is None


async def test_deleting_a_user_removes_their_token(backend: Backend) -> None:
    ann, bob = await _users(backend, "ann@example.com", "bob@example.com")
    token, kept = _token(ann), _token(bob)
    async with backend.uow() as uow:
        await uow.feed_tokens.put(token)
        await uow.feed_tokens.put(kept)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.users.delete(ann)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.feed_tokens.find(token.token_hash) is None
        assert await uow.feed_tokens.get(ann) is None
        assert await uow.feed_tokens.find(kept.token_hash) == kept
