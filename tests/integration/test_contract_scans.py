"""Library scan status (ScanStatusRepository): one contract for the fake, SQLite, PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from integration.conftest import Backend
from ktv_domain import ScanState, ScanStatus
from support import T0


async def test_one_status_per_source_replaced_on_put(backend: Backend) -> None:
    async with backend.uow() as uow:
        assert await uow.scans.get("local") is None
    requested = ScanStatus(state=ScanState.REQUESTED, updated_at=T0)
    done = ScanStatus(state=ScanState.DONE, started_at=T0 + timedelta(microseconds=1),
                      finished_at=T0 + timedelta(minutes=1, microseconds=7), files_seen=10,
                      to_probe=4, probed=4, unchanged=6, skipped=1, removed=2, items=8,
                      updated_at=T0 + timedelta(minutes=1))
    failed = ScanStatus(state=ScanState.FAILED, started_at=T0, finished_at=T0,
                        error="OSError: disk gone", updated_at=T0)
    async with backend.uow() as uow:
        await uow.scans.put("local", requested)
        await uow.scans.put("jellyfin", failed)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.scans.get("local") == requested
        await uow.scans.put("local", done)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.scans.get("local") == done
        assert await uow.scans.get("jellyfin") == failed
        assert await uow.scans.get("other") is None


async def test_an_uncommitted_put_is_not_seen(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.scans.put("local", ScanStatus(state=ScanState.RUNNING, started_at=T0))
    async with backend.uow() as uow:
        assert await uow.scans.get("local") is None
