"""ScanStatusRepository over SQL: one row per media source, upserted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from ktv_domain import ScanState, ScanStatus

from .session import Session
from .tables import library_scans

__all__ = ["SqlScanStatusRepository"]

_COUNTS = ("files_seen", "to_probe", "probed", "unchanged", "skipped", "removed", "items")


class SqlScanStatusRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    @property
    def _conn(self) -> AsyncConnection:
        return self._s.conn

    async def get(self, source: str) -> ScanStatus | None:
        row = (await self._conn.execute(
            select(library_scans).where(library_scans.c.source == source))).first()
        if row is None:
            return None
        return ScanStatus(state=ScanState(row.state), started_at=row.started_at,
                          finished_at=row.finished_at, error=row.error,
                          updated_at=row.updated_at,
                          **{name: int(getattr(row, name)) for name in _COUNTS})

    async def put(self, source: str, status: ScanStatus) -> None:
        values: dict[str, Any] = {
            "state": status.state.value, "started_at": status.started_at,
            "finished_at": status.finished_at, "error": status.error,
            "updated_at": status.updated_at,
            **{name: getattr(status, name) for name in _COUNTS}}
        dialect = postgresql if self._s.dialect == "postgresql" else sqlite
        stmt = dialect.insert(library_scans).values(source=source, **values)
        await self._conn.execute(stmt.on_conflict_do_update(
            index_elements=[library_scans.c.source], set_=values))
