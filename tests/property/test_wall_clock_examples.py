"""Worked DST examples of the wall-clock rules (both the reference model and the engine)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from ktv_domain import FillStrategy, RecyclePolicy
from ktv_domain.engine import GenerationInput, build_generation, expand_occurrences
from property.model import ref_occurrences, us
from support import make_block, make_channel, make_item


def _both(zone: str, blocks: list[object], start: datetime, hours: int = 24
          ) -> list[tuple[int, int]]:
    blks = tuple(blocks)
    channel = make_channel(blks, tz=zone)  # type: ignore[arg-type]
    got = [(o.start_us, o.end_us) for o in expand_occurrences(
        channel.schedule_config.blocks, channel.zone, start, start + timedelta(hours=hours))]
    ref = [(o.start, o.end) for o in ref_occurrences(
        channel.schedule_config.blocks, zone, start, start + timedelta(hours=hours))]
    assert got == ref
    return got


def _utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> int:
    return us(datetime(y, mo, d, h, mi, tzinfo=UTC))


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc"),
    [
        # New York spring-forward: 02:30 does not exist -> 03:30 EDT = 07:30 UTC.
        ("America/New_York", datetime(2026, 3, 8, tzinfo=UTC), time(2, 30),
         datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
        # Lord Howe 30-minute gap 02:00 -> 02:30: 02:15 -> 02:45 (+11:00) = 15:45 UTC.
        ("Australia/Lord_Howe", datetime(2026, 10, 3, tzinfo=UTC), time(2, 15),
         datetime(2026, 10, 3, 15, 45, tzinfo=UTC)),
        # New York fall-back: 01:30 happens twice; the first (EDT) instant = 05:30 UTC.
        ("America/New_York", datetime(2026, 11, 1, tzinfo=UTC), time(1, 30),
         datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        # London fall-back: 01:30 BST = 00:30 UTC.
        ("Europe/London", datetime(2026, 10, 25, tzinfo=UTC), time(1, 30),
         datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ],
)
def test_dst_start_times(zone: str, day: datetime, at: time, expected_utc: datetime) -> None:
    block = make_block(at, 30)
    occs = _both(zone, [block], day - timedelta(hours=12), hours=36)
    assert (us(expected_utc), us(expected_utc) + 30 * 60_000_000) in occs
    # ... and the engine really airs there.
    item = make_item(1, 600)
    channel = make_channel([block], tz=zone,
                           policy=RecyclePolicy(cooldown_days=None, min_available_ratio=0.0))
    out = build_generation(GenerationInput(
        channel=channel, generation=1, at=expected_utc - timedelta(hours=1),
        horizon=timedelta(hours=2), created_at=expected_utc, pools={block.id: [item]}))
    assert [s.start_at for s in out.slots] == [
        expected_utc + timedelta(minutes=10 * k) for k in range(3)]


def test_occurrence_clipped_by_spring_forward() -> None:
    # 01:00-03:00 local, then a block at 03:00: the gap makes the first run into the second.
    a = make_block(time(1, 0), 120, name="A")
    b = make_block(time(3, 0), 60, name="B")
    occs = _both("America/New_York", [a, b], datetime(2026, 3, 8, 5, tzinfo=UTC), hours=4)
    assert occs == [(_utc(2026, 3, 8, 6), _utc(2026, 3, 8, 7)),  # clipped to 60 min
                    (_utc(2026, 3, 8, 7), _utc(2026, 3, 8, 8))]
    item = make_item(1, 50 * 60)
    channel = make_channel([a, b], tz="America/New_York",
                           policy=RecyclePolicy(cooldown_days=None, min_available_ratio=0.0))
    out = build_generation(GenerationInput(
        channel=channel, generation=1, at=datetime(2026, 3, 8, 5, tzinfo=UTC),
        horizon=timedelta(hours=2), created_at=datetime(2026, 3, 8, tzinfo=UTC),
        pools={a.id: [item, make_item(2, 40 * 60)], b.id: []}))
    a_slots = [s for s in out.slots if s.block_id == a.id]
    # Only one 50-minute item fits the clipped hour (then 10 minutes of dead air).
    assert [(s.start_at, s.item.id) for s in a_slots] == [
        (datetime(2026, 3, 8, 6, tzinfo=UTC), item.id)]


def test_block_pushed_by_the_gap_yields_to_the_block_that_starts_there() -> None:
    pushed = make_block(time(2, 30), 30, name="pushed", strategy=FillStrategy.SEQUENTIAL)
    real = make_block(time(3, 30), 60, name="real")
    for blocks in ([pushed, real], [real, pushed]):  # whatever their order in the config
        occs = _both("America/New_York", list(blocks), datetime(2026, 3, 8, 5, tzinfo=UTC),
                     hours=4)
        assert occs == [(_utc(2026, 3, 8, 7, 30), _utc(2026, 3, 8, 8, 30))]


def test_fall_back_occurrence_lasts_real_time() -> None:
    # 00:30 EDT for 120 minutes of real time ends at 01:30 EST (= 06:30 UTC).
    block = make_block(time(0, 30), 120)
    occs = _both("America/New_York", [block], datetime(2026, 11, 1, 3, tzinfo=UTC), hours=4)
    assert occs == [(_utc(2026, 11, 1, 4, 30), _utc(2026, 11, 1, 6, 30))]
