"""The keeper's leader lock: one holder per PostgreSQL database; SQLite always leads."""

from __future__ import annotations

from pathlib import Path

import pytest

from ktv_sql import LeaderLock, create_engine


@pytest.mark.postgres
async def test_one_leader_at_a_time_on_postgres(pg_url: str) -> None:
    first_engine, second_engine = create_engine(pg_url), create_engine(pg_url)
    first, second = LeaderLock(first_engine, key=4242), LeaderLock(second_engine, key=4242)
    try:
        assert await first.acquire()
        assert await first.acquire()  # still held: confirmed, not re-taken
        assert not await second.acquire()
        assert first.held
        assert not second.held
        await first.release()
        assert await second.acquire()
        assert not await first.acquire()
        # The holder's connection dying releases the lock for the others.
        assert second._conn is not None
        await second._conn.invalidate()
        second._conn = None
        assert await first.acquire()
    finally:
        await first.release()
        await second.release()
        await first_engine.dispose()
        await second_engine.dispose()


async def test_sqlite_processes_always_lead(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:{tmp_path / 'k.db'}")
    try:
        a, b = LeaderLock(engine), LeaderLock(engine)
        assert await a.acquire()
        assert await b.acquire()
        await a.release()
    finally:
        await engine.dispose()
