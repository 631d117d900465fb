"""One leader among replicas: a PostgreSQL session-level advisory lock.

The background keeper and the local library's scans run only while their
replica holds the lock (one ``LeaderLock`` per process, shared by both: calls
are serialized, as they use one connection). The lock
lives on one dedicated connection: if that connection dies, PostgreSQL
releases the lock and another replica takes over on its next attempt. SQLite
serves one host, so every process is a leader there; concurrent writers are
still kept apart by the per-channel locks and unique constraints.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

__all__ = ["KEEPER_LOCK_KEY", "LeaderLock"]

#: ``pg_try_advisory_lock(bigint)`` key of the schedule keeper ("KTV-KEEP").
KEEPER_LOCK_KEY = 0x4B54562D4B454550

_TRY = text("SELECT pg_try_advisory_lock(:key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:key)")
_PING = text("SELECT 1")


class LeaderLock:
    """``await lock.acquire()`` says whether this process leads now; ``release()`` lets go."""

    def __init__(self, engine: AsyncEngine, key: int = KEEPER_LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._conn: AsyncConnection | None = None
        self._busy = asyncio.Lock()

    @property
    def held(self) -> bool:
        return self._engine.dialect.name != "postgresql" or self._conn is not None

    async def acquire(self) -> bool:
        """Take the lock if free, or confirm it is still held; False when another leads.

        Database errors propagate (the caller retries later); a broken held
        connection is dropped first, so the next call starts over.
        """
        if self._engine.dialect.name != "postgresql":
            return True
        async with self._busy:
            return await self._acquire()

    async def _acquire(self) -> bool:
        if self._conn is not None:
            try:
                await self._conn.execute(_PING)
                return True
            except (OperationalError, DBAPIError):
                await self._drop()
                raise
        conn = await self._engine.connect()
        try:
            got = bool((await conn.execute(_TRY, {"key": self._key})).scalar())
            await conn.commit()
        except BaseException:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def release(self) -> None:
        async with self._busy:
            await self._release()

    async def _release(self) -> None:
        if self._conn is None:
            return
        try:
            await self._conn.execute(_UNLOCK, {"key": self._key})
            await self._conn.commit()
        except (OperationalError, DBAPIError):
            pass  # closing the session releases it anyway
        finally:
            await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()
            except (OperationalError, DBAPIError):
                await conn.invalidate()
