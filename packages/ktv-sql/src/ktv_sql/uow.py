"""The SQL unit of work: one connection, one transaction, three repositories."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from ktv_domain import (
    ChannelRepository,
    Conflict,
    FeedTokenRepository,
    MediaIndexRepository,
    ScanStatusRepository,
    ScheduleRepository,
    UserRepository,
)

from .channels import SqlChannelRepository
from .feed_tokens import SqlFeedTokenRepository
from .media_files import SqlMediaIndexRepository
from .scans import SqlScanStatusRepository
from .schedules import SqlScheduleRepository
from .session import Session
from .translate import violation
from .users import SqlUserRepository

__all__ = ["SqlUnitOfWork", "SqlUnitOfWorkFactory"]


class SqlUnitOfWork:
    """``async with uow: ...; await uow.commit()`` -- anything not committed is rolled back.

    After ``commit`` (or ``rollback``) the unit of work stays usable: the next
    statement starts a new transaction.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._session = Session(engine.dialect.name)
        self.users: UserRepository = SqlUserRepository(self._session)
        self.channels: ChannelRepository = SqlChannelRepository(self._session)
        self.schedules: ScheduleRepository = SqlScheduleRepository(self._session)
        self.media_files: MediaIndexRepository = SqlMediaIndexRepository(self._session)
        self.feed_tokens: FeedTokenRepository = SqlFeedTokenRepository(self._session)
        self.scans: ScanStatusRepository = SqlScanStatusRepository(self._session)

    async def __aenter__(self) -> Self:
        conn = await self._engine.connect()
        try:
            await conn.begin()
        except BaseException:
            await conn.close()
            raise
        self._session.open(conn)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        conn = self._session.conn
        try:
            if conn.in_transaction():
                await conn.rollback()
        finally:
            self._session.open(None)
            await conn.close()

    async def commit(self) -> None:
        conn = self._session.conn
        try:
            await conn.commit()
        except (IntegrityError, OperationalError) as exc:
            kind, _ = violation(exc)
            if kind in ("unique", "busy"):
                raise Conflict("a concurrent change won; retry") from exc
            raise
        finally:
            self._session.transaction_ended()

    async def rollback(self) -> None:
        try:
            await self._session.conn.rollback()
        finally:
            self._session.transaction_ended()


class SqlUnitOfWorkFactory:
    """What the services take as ``Callable[[], UnitOfWork]``: a new unit of work per call."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
