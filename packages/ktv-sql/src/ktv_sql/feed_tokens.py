"""FeedTokenRepository over SQL: named tokens per user, found by the token's hash."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from ktv_domain import Conflict, FeedToken, UserId

from .session import Session
from .tables import feed_tokens
from .translate import writing

__all__ = ["SqlFeedTokenRepository"]

_t = feed_tokens.c


def _token(row: Row[Any]) -> FeedToken:
    return FeedToken(id=row.id, user_id=UserId(row.user_id), name=row.name,
                     token_hash=row.token_hash, created_at=row.created_at,
                     last_used_at=row.last_used_at)


class SqlFeedTokenRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    @property
    def _conn(self) -> AsyncConnection:
        return self._s.conn

    async def put(self, token: FeedToken) -> None:
        """The user's token of the same name is deleted and the new one inserted in the
        same transaction, so the old hash stops resolving when this commits."""
        async with writing(self._conn, unique=Conflict("this feed token is already in use"),
                           missing="user not found"):
            await self._conn.execute(delete(feed_tokens).where(
                _t.user_id == token.user_id, _t.name == token.name))
            await self._conn.execute(feed_tokens.insert().values(
                id=token.id, user_id=token.user_id, name=token.name,
                token_hash=token.token_hash, created_at=token.created_at,
                last_used_at=token.last_used_at))

    async def list(self, user_id: UserId) -> list[FeedToken]:
        rows = await self._conn.execute(
            select(feed_tokens).where(_t.user_id == user_id)
            .order_by(_t.created_at, _t.name))
        return [_token(r) for r in rows]

    async def find(self, token_hash: str) -> FeedToken | None:
        row = (await self._conn.execute(
            select(feed_tokens).where(_t.token_hash == token_hash))).first()
        return None if row is None else _token(row)

    async def delete(self, user_id: UserId, token_id: uuid.UUID) -> bool:
        result = await self._conn.execute(
            delete(feed_tokens).where(_t.id == token_id, _t.user_id == user_id))
        return result.rowcount > 0

    async def delete_named(self, user_id: UserId, name: str) -> bool:
        result = await self._conn.execute(
            delete(feed_tokens).where(_t.user_id == user_id, _t.name == name))
        return result.rowcount > 0

    async def touch(self, token_id: uuid.UUID, at: datetime) -> None:
        await self._conn.execute(
            update(feed_tokens).where(_t.id == token_id).values(last_used_at=at))
