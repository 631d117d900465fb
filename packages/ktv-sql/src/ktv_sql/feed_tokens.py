"""FeedTokenRepository over SQL: one row per user, found by the token's hash."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from ktv_domain import Conflict, FeedToken, UserId

from .session import Session
from .tables import feed_tokens
from .translate import writing

__all__ = ["SqlFeedTokenRepository"]


def _token(row: Row[Any] | None) -> FeedToken | None:
    if row is None:
        return None
    return FeedToken(user_id=UserId(row.user_id), token_hash=row.token_hash,
                     created_at=row.created_at)


class SqlFeedTokenRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    @property
    def _conn(self) -> AsyncConnection:
        return self._s.conn

    async def put(self, token: FeedToken) -> None:
        """An upsert on the user id: the old hash is gone in the same statement."""
        dialect = postgresql if self._s.dialect == "postgresql" else sqlite
        stmt = dialect.insert(feed_tokens).values(
            user_id=token.user_id, token_hash=token.token_hash, created_at=token.created_at)
        upsert = stmt.on_conflict_do_update(
            index_elements=[feed_tokens.c.user_id],
            set_={"token_hash": stmt.excluded.token_hash,
                  "created_at": stmt.excluded.created_at})
        async with writing(self._conn, unique=Conflict("this feed token is already in use"),
                           missing="user not found"):
            await self._conn.execute(upsert)

    async def get(self, user_id: UserId) -> FeedToken | None:
        return _token((await self._conn.execute(
            select(feed_tokens).where(feed_tokens.c.user_id == user_id))).first())

    async def find(self, token_hash: str) -> FeedToken | None:
        return _token((await self._conn.execute(
            select(feed_tokens).where(feed_tokens.c.token_hash == token_hash))).first())

    async def delete(self, user_id: UserId) -> bool:
        result = await self._conn.execute(
            delete(feed_tokens).where(feed_tokens.c.user_id == user_id))
        return result.rowcount > 0
