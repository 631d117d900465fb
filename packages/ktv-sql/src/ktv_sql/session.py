"""The connection a unit of work lends to its repositories."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["Session"]


class Session:
    """Holds the unit of work's connection while it is open."""

    __slots__ = ("_conn", "dialect", "locked_channels")

    def __init__(self, dialect: str) -> None:
        self._conn: AsyncConnection | None = None
        self.dialect = dialect
        #: Channels whose PostgreSQL advisory lock this transaction holds.
        self.locked_channels: set[object] = set()

    @property
    def conn(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("use the unit of work inside 'async with uow:'")
        return self._conn

    def open(self, conn: AsyncConnection | None) -> None:
        self._conn = conn
        self.locked_channels.clear()

    def transaction_ended(self) -> None:
        self.locked_channels.clear()
