"""Persistence benchmarks: bulk slot writes and the EPG window read.

    uv run python bench/bench_sql.py

(a) 50 channels x 7 days of 30-minute slots (16,800 rows): Core ``executemany``
    vs a per-row ORM baseline (``session.add`` per row, one flush), same run,
    same rows, on SQLite and PostgreSQL; the ratio is printed.
(b) An EPG 24 h window over 50 channels through the repositories (one unit of
    work, 50 ``slots_between`` calls), p50/p99, on SQLite and PostgreSQL.

PostgreSQL: ``KTV_TEST_POSTGRES_URL`` or ``postgresql://postgres@127.0.0.1:5432/postgres``
(a scratch database is created and dropped); skipped with a note if unreachable.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import delete, insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import registry

from ktv_domain import (
    BlockId,
    Channel,
    ChannelId,
    ContentType,
    Email,
    GeneratedSchedule,
    MediaItem,
    MediaItemId,
    ScheduledSlot,
    User,
    UserId,
)
from ktv_domain.schedule import generation_uuid, slot_uuid
from ktv_sql import SqlUnitOfWorkFactory, create_engine, find_migrations_dir, migrate
from ktv_sql.codec import encode_item
from ktv_sql.tables import schedule_records, slots

CHANNELS = 50
DAYS = 7
SLOT = timedelta(minutes=30)
T0 = datetime(2026, 11, 21, tzinfo=UTC)
EPG_RUNS = 40


class SlotRow:
    """ORM-mapped slot row (baseline only)."""

    def __init__(self, **kw: Any) -> None:
        for k, v in kw.items():
            setattr(self, k, v)


registry().map_imperatively(SlotRow, slots)


def _item(n: int) -> MediaItem:
    return MediaItem(id=MediaItemId(f"{n:032x}"), title=f"Item {n}",
                     content_type=ContentType.EPISODE, duration_secs=1800,
                     series_name="Series", season_number=1, episode_number=n,
                     genres=("Drama",), overview="An episode.")


def _channel_slots(cid: ChannelId, block: BlockId) -> list[ScheduledSlot]:
    per = int(timedelta(days=DAYS) / SLOT)
    return [ScheduledSlot(id=slot_uuid(cid, 1, T0 + i * SLOT), channel_id=cid, block_id=block,
                          generation=1, start_at=T0 + i * SLOT, end_at=T0 + (i + 1) * SLOT,
                          item=_item(i % 500)) for i in range(per)]


def _rows(all_slots: list[ScheduledSlot]) -> list[dict[str, Any]]:
    return [{"id": s.id, "channel_id": s.channel_id, "generation": 1, "block_id": s.block_id,
             "start_at": s.start_at, "end_at": s.end_at, "item_id": s.item.id,
             "item": encode_item(s.item)} for s in all_slots]


Setup = tuple[list[ChannelId], dict[ChannelId, list[ScheduledSlot]]]


async def _setup(engine: AsyncEngine) -> Setup:
    await migrate(engine, find_migrations_dir(engine.dialect.name))
    uow = SqlUnitOfWorkFactory(engine)
    owner = User(id=UserId(uuid.uuid4()), email=Email("bench@example.com"), created_at=T0)
    ids = [ChannelId(uuid.uuid4()) for _ in range(CHANNELS)]
    async with uow() as u:
        await u.users.add(owner)
        for n, cid in enumerate(ids, 1):
            await u.channels.add(Channel(id=cid, owner_id=owner.id, name=f"Ch {n}",
                                         number=str(n), created_at=T0, updated_at=T0))
        await u.commit()
    block = BlockId(uuid.uuid4())
    return ids, {cid: _channel_slots(cid, block) for cid in ids}


async def _clear(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(delete(slots))
        await conn.execute(delete(schedule_records))


async def bench_writes(label: str, engine: AsyncEngine) -> None:
    ids, per_channel = await _setup(engine)
    all_slots = [s for cid in ids for s in per_channel[cid]]
    rows = _rows(all_slots)
    print(f"\n[{label}] (a) store {CHANNELS} channels x {DAYS} days = {len(rows)} slots")

    async def core() -> float:
        t = time.perf_counter()
        async with engine.begin() as conn:
            await conn.execute(insert(slots), rows)
        return time.perf_counter() - t

    async def orm() -> float:
        t = time.perf_counter()
        async with AsyncSession(engine) as session:
            for r in rows:
                session.add(SlotRow(**r))
            await session.flush()
            await session.commit()
        return time.perf_counter() - t

    core_times, orm_times = [], []
    for _ in range(3):
        await _clear(engine)
        core_times.append(await core())
        await _clear(engine)
        orm_times.append(await orm())
    c, o = min(core_times), min(orm_times)
    print(f"  Core executemany      : {c * 1000:8.1f} ms  (best of 3)")
    print(f"  ORM add per row+flush : {o * 1000:8.1f} ms  (best of 3, baseline)")
    print(f"  ratio ORM/Core        : {o / c:8.1f}x")

    await _clear(engine)
    uow = SqlUnitOfWorkFactory(engine)
    t = time.perf_counter()
    for cid in ids:
        gen = GeneratedSchedule(id=generation_uuid(cid, 1), channel_id=cid, generation=1,
                                valid_from=T0, valid_until=T0 + timedelta(days=DAYS),
                                created_at=T0, slots=tuple(per_channel[cid]))
        async with uow() as u:
            await u.schedules.add_generation(gen)
            await u.commit()
    full = time.perf_counter() - t
    print(f"  repository add_generation x{CHANNELS} (slots + records + checks, "
          f"{CHANNELS} transactions): {full * 1000:.1f} ms")
    await bench_epg(label, engine, ids)


async def bench_epg(label: str, engine: AsyncEngine, ids: list[ChannelId]) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    start = T0 + timedelta(days=3, hours=7, minutes=10)
    times, one = [], []
    count = 0
    for i in range(EPG_RUNS + 5):
        t = time.perf_counter()
        async with uow() as u:
            count = 0
            for cid in ids:
                t1 = time.perf_counter()
                window = await u.schedules.slots_between(cid, start, start + timedelta(hours=24))
                count += len(window)
                if i >= 5:
                    one.append(time.perf_counter() - t1)
        if i >= 5:  # warm-up
            times.append(time.perf_counter() - t)
    q = statistics.quantiles(times, n=100)
    q1 = statistics.quantiles(one, n=100)
    print(f"[{label}] (b) EPG 24 h window, {CHANNELS} channels ({count} slots), {EPG_RUNS} runs")
    print(f"  all {CHANNELS} channels : p50 {statistics.median(times) * 1000:7.2f} ms   "
          f"p99 {q[98] * 1000:7.2f} ms")
    print(f"  one channel     : p50 {statistics.median(one) * 1000:7.2f} ms   "
          f"p99 {q1[98] * 1000:7.2f} ms")


async def main() -> None:
    print(f"K-TV persistence benchmark - python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:{Path(tmp) / 'bench.db'}")
        try:
            await bench_writes("SQLite file (WAL)", engine)
        finally:
            await engine.dispose()

    admin = os.environ.get("KTV_TEST_POSTGRES_URL",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
    dsn = make_url(admin).set(drivername="postgresql")
    name = f"ktv_bench_{uuid.uuid4().hex[:8]}"
    try:
        conn = await asyncpg.connect(dsn.render_as_string(hide_password=False), timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        print(f"\n[PostgreSQL] skipped: {type(exc).__name__}: {exc}")
        return
    await conn.execute(f'CREATE DATABASE "{name}"')
    try:
        engine = create_engine(dsn.set(database=name).render_as_string(hide_password=False))
        try:
            await bench_writes("PostgreSQL", engine)
        finally:
            await engine.dispose()
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
