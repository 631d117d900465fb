"""XMLTV guide benchmark: 50 channels x 7 days (about 17k programmes).

    uv run python bench/bench_xmltv.py            # full run
    uv run python bench/bench_xmltv.py --quick    # fewer repetitions

Setup: a temporary SQLite database (migrated) with one user and 50 channels, each
with a stored generation of back-to-back slots (15-45 min items with genres,
overviews, episode numbers and images, each item airing several times, so
``previously-shown`` is exercised) from 3 h before "now" to 7 days after it.
The app's :class:`~ktv_api.iptv.guide.GuideService` answers from the app's
on-air view (loaded once, as in a running server).

Scenarios, each the median of several runs:

* cold: a fresh ``GuideService`` (empty caches): plan (ETag), read first airings
  from SQLite (one query per channel), render every channel in the worker
  runner, assemble. Target <= 150 ms.
* cold, render only: the same rendering from data in memory (no database).
* cached: plan + cached document (what every poll after the first costs).
  Target <= 5 ms.
* gzip: compressing the document once (then cached with it).
* baseline, in the same run: a plain ``xml.etree.ElementTree`` writer building the
  same document (same elements, attributes and text) from the same slots and
  first airings, then ``ET.tostring``; the ratio baseline / ours is printed.

A measurement, not a test: the exit code is 0 even when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import random
import statistics
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from ktv_api.iptv.guide import BACK, GuideService
from ktv_api.onair import OnAir
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
    run_inline,
)
from ktv_domain.schedule import generation_uuid, slot_uuid
from ktv_iptv import (
    GuideChannel,
    ProgrammeRun,
    assemble,
    episode_numbers,
    render_channel,
    render_programmes,
    xmltv_channel_id,
    xmltv_time,
)
from ktv_sql import SqlUnitOfWorkFactory, create_engine, find_migrations_dir, migrate

T = TypeVar("T")
NOW = datetime(2026, 11, 21, 12, 0, 0, 123456, tzinfo=UTC)
CHANNELS = 50
DAYS = 7


class Clock:
    def now(self) -> datetime:
        return NOW


def library(rng: random.Random, n: int = 600) -> list[MediaItem]:
    items = []
    for i in range(n):
        episode = i % 3 != 0
        items.append(MediaItem(
            id=MediaItemId(f"{i:032x}"), title=f"Title {i} & <friends>",
            content_type=ContentType.EPISODE if episode else ContentType.MOVIE,
            duration_secs=rng.uniform(15, 45) * 60, series_name=f"Series {i % 40}"
            if episode else None, season_number=1 + i % 5 if episode else None,
            episode_number=1 + i % 22 if episode else None, year=1980 + i % 40,
            genres=("Comedy", "Drama")[: 1 + i % 2],
            overview=f"Overview of item {i}. " * 4,
            image_url=f"https://img.example/items/{i}.jpg"))
    return items


def schedule(channel: Channel, items: list[MediaItem], rng: random.Random) -> GeneratedSchedule:
    start = NOW - BACK - timedelta(minutes=30)
    until = NOW + timedelta(days=DAYS)
    block = BlockId(uuid.uuid4())
    slots = []
    at = start
    while at < until:
        item = rng.choice(items)
        assert item.duration is not None
        slots.append(ScheduledSlot(id=slot_uuid(channel.id, 1, at), channel_id=channel.id,
                                   block_id=block, generation=1, start_at=at,
                                   end_at=at + item.duration, item=item))
        at += item.duration
    return GeneratedSchedule(id=generation_uuid(channel.id, 1), channel_id=channel.id,
                             generation=1, valid_from=start, valid_until=at,
                             created_at=start, slots=tuple(slots))


def elementtree_guide(channels: list[Channel], runs: list[ProgrammeRun],
                      icon: Callable[[Channel], str]) -> bytes:
    """The baseline: the same document with ElementTree."""
    root = ET.Element("tv", {"generator-info-name": "K-TV",
                             "generator-info-url": "http://bench", "source-info-name": "K-TV"})
    for ch in channels:
        c = ET.SubElement(root, "channel", {"id": xmltv_channel_id(ch.id)})
        for name in (f"{ch.number} {ch.name}", ch.number, ch.name):
            ET.SubElement(c, "display-name").text = name
        ET.SubElement(c, "icon", {"src": icon(ch)})
    for run in runs:
        for s in run.slots:
            it = s.item
            p = ET.SubElement(root, "programme", {"start": xmltv_time(s.start_at),
                                                  "stop": xmltv_time(s.end_at),
                                                  "channel": run.xmltv_id})
            episode = it.content_type is ContentType.EPISODE
            ET.SubElement(p, "title").text = it.series_name if episode else it.title
            if episode:
                ET.SubElement(p, "sub-title").text = it.title
            if it.overview:
                ET.SubElement(p, "desc").text = it.overview
            if it.year:
                ET.SubElement(p, "date").text = str(it.year)
            for g in (*it.genres, "Series" if episode else "Movie"):
                ET.SubElement(p, "category").text = g
            if it.image_url:
                ET.SubElement(p, "icon", {"src": it.image_url})
            nums = episode_numbers(it.season_number, it.episode_number) if episode else None
            if nums:
                ET.SubElement(p, "episode-num", {"system": "onscreen"}).text = nums[0]
                ET.SubElement(p, "episode-num", {"system": "xmltv_ns"}).text = nums[1]
            first = run.first_airings.get(it.id)
            if first is not None and first < s.start_at:
                ET.SubElement(p, "previously-shown")
    out: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return out


async def median_ms(fn: Callable[[], Awaitable[T]], repeat: int) -> tuple[float, T]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = await fn()
        times.append((time.perf_counter() - t0) * 1000)
    assert result is not None
    return statistics.median(times), result


async def main(quick: bool) -> None:
    rng = random.Random(11)
    items = library(rng)
    repeat = 5 if quick else 15
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:{Path(tmp) / 'bench.db'}")
        await migrate(engine, find_migrations_dir("sqlite"))
        uow = SqlUnitOfWorkFactory(engine)
        owner = User(id=UserId(uuid.uuid4()), email=Email("bench@example.com"),
                     created_at=NOW, password_hash=None, is_admin=True)
        channels = [Channel(id=ChannelId(uuid.uuid4()), owner_id=owner.id,
                            name=f"Channel {n}", number=str(100 + n), created_at=NOW,
                            updated_at=NOW) for n in range(CHANNELS)]
        async with uow() as u:
            await u.users.add(owner)
            for ch in channels:
                await u.channels.add(ch)
            await u.commit()
        for ch in channels:
            async with uow() as u:
                await u.schedules.add_generation(schedule(ch, items, rng))
                await u.commit()
        clock = Clock()
        onair = OnAir(uow, clock)
        for ch in channels:
            await onair.coverage(owner.id, ch.id)

        def icon(ch: Channel) -> str:
            return f"http://bench/iptv/ktvf_x/logos/{ch.number}.png"

        async def cold() -> bytes:
            service = GuideService(uow, onair, clock, guide_days=DAYS, fill_gaps=False,
                                   cpu=run_inline)
            plan = await service.plan(owner.id, channels, icon, generator_url="http://bench")
            return (await service.render(plan)).body

        warm = GuideService(uow, onair, clock, guide_days=DAYS, fill_gaps=False,
                            cpu=run_inline)

        async def cached() -> bytes:
            plan = await warm.plan(owner.id, channels, icon, generator_url="http://bench")
            return (await warm.render(plan)).body

        cold_ms, body = await median_ms(cold, repeat)
        await cached()
        cached_ms, again = await median_ms(cached, repeat * 4)
        assert again == body
        programmes = body.count(b"<programme ")

        # The inputs of the render, in memory, for the render-only and baseline runs.
        runs: list[ProgrammeRun] = []
        plan = await warm.plan(owner.id, channels, icon, generator_url="http://bench")
        async with uow() as u:
            for part in plan.parts:
                ids = list(dict.fromkeys(s.item.id for s in part.run.slots))
                firsts = await u.schedules.first_airings(part.channel_id, ids)
                runs.append(ProgrammeRun(xmltv_id=part.run.xmltv_id, slots=part.run.slots,
                                         first_airings=firsts,
                                         coverage_end=part.run.coverage_end))

        async def render_only() -> bytes:
            elements = [render_channel(GuideChannel(
                xmltv_id=xmltv_channel_id(ch.id), number=ch.number, name=ch.name,
                icon_url=icon(ch))).encode() for ch in channels]
            times: dict[datetime, str] = {}
            bodies: dict[MediaItem, str] = {}
            parts = [render_programmes(r, times=times, bodies=bodies).encode() for r in runs]
            return assemble(elements, parts, generator_url="http://bench")

        async def baseline() -> bytes:
            return elementtree_guide(channels, runs, icon)

        render_ms, rendered = await median_ms(render_only, repeat)
        base_ms, et_body = await median_ms(baseline, repeat)
        assert rendered == body
        assert et_body.count(b"<programme ") == programmes
        assert et_body.count(b"<previously-shown") == body.count(b"<previously-shown")
        t0 = time.perf_counter()
        gz = gzip.compress(body, 6, mtime=0)
        gzip_ms = (time.perf_counter() - t0) * 1000
        await engine.dispose()

    print(f"XMLTV guide: {CHANNELS} channels x {DAYS} days, {programmes} programmes, "
          f"{len(body) / 1e6:.1f} MB ({len(gz) / 1e6:.2f} MB gzipped)")
    print(f"  cold (plan, first airings from SQLite, render, assemble): {cold_ms:7.1f} ms"
          f"   target <= 150 ms")
    print(f"  cold, render only (in memory):                            {render_ms:7.1f} ms")
    print(f"  cached (plan + cached document):                          {cached_ms:7.2f} ms"
          f"   target <= 5 ms")
    print(f"  gzip once (cached afterwards):                            {gzip_ms:7.1f} ms")
    print(f"  baseline: xml.etree.ElementTree, same document:           {base_ms:7.1f} ms")
    print(f"  ratio baseline / ours: render only {base_ms / render_ms:.1f}x, "
          f"cold {base_ms / cold_ms:.1f}x, cached {base_ms / cached_ms:.0f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    asyncio.run(main(parser.parse_args(sys.argv[1:]).quick))
