"""The recycle policy's worked examples from ``docs/scheduling.md``, at their exact edges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

import pytest

from ktv_domain import (
    Channel,
    FillStrategy,
    GeneratedSchedule,
    MediaItem,
    MediaPool,
    RecyclePolicy,
    ScheduleRecord,
    WarningCode,
)
from ktv_domain.engine import GenerationInput, build_generation, required_available
from support import item_id, make_block, make_channel, make_item

T = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
#: The 20:00 occurrence of the blocks below (the only one in a 10-hour run from T).
S = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)


def run(channel: Channel, pool: Sequence[MediaItem], history: Sequence[ScheduleRecord] = (),
        *, generation: int = 2) -> GeneratedSchedule:
    pools = {b.id: MediaPool(pool) for b in channel.schedule_config.blocks}
    return build_generation(GenerationInput(
        channel=channel, generation=generation, at=T, horizon=timedelta(hours=10),
        created_at=T, pools=pools, history=history))


def record(channel: Channel, n: int, at: datetime) -> ScheduleRecord:
    return ScheduleRecord(channel_id=channel.id, item_id=item_id(n), scheduled_at=at,
                          generation=1)


@pytest.mark.parametrize(("ratio", "pool", "required"), [
    (0.7, 10, 7),     # the documented example
    (0.28, 25, 7),    # binary floats: 0.28 * 25 = 7.000000000000001, whose ceil is 8
    (0.07, 100, 7),   # 7.000000000000001 in floats
    (0.56, 25, 14),   # 14.000000000000002 in floats
    (0.55, 100, 55),  # 55.00000000000001 in floats
    (0.7, 3, 3),      # 2.1: rounded up, not down
    (0.2, 7, 2),      # 1.4: rounded up, not to the nearest
    (0.0, 10, 0),
    (1.0, 10, 10),
])
def test_the_ratio_is_computed_on_its_decimal_value(ratio: float, pool: int,
                                                    required: int) -> None:
    assert required_available(ratio, pool) == required


@pytest.mark.parametrize(("ratio", "size"), [(0.7, 10), (0.28, 25)])
def test_a_ratio_of_a_fully_cooled_pool_readmits_exactly_7_least_recent_first(
        ratio: float, size: int) -> None:
    block = make_block(time(20), 600, strategy=FillStrategy.BEST_FIT, loop=False)
    channel = make_channel([block], policy=RecyclePolicy(cooldown_days=7,
                                                         min_available_ratio=ratio))
    pool = [make_item(n, 3600, title=f"#{n}") for n in range(size)]
    # Item n aired n hours before yesterday noon: the highest n longest ago.
    history = [record(channel, n, T - timedelta(days=1, hours=n)) for n in range(size)]
    out = run(channel, pool, history)
    # 7 one-hour items in a 10-hour block that does not loop: exactly the 7 readmitted.
    assert sorted(s.item.title for s in out.slots) == sorted(
        f"#{n}" for n in range(size - 7, size))


@pytest.mark.parametrize(("aired_at", "cooled"), [
    pytest.param(S - timedelta(days=7), True, id="exactly S - 7 days: cooled"),
    pytest.param(S - timedelta(days=7) + timedelta(microseconds=1), True,
                 id="1 us later: cooled"),
    pytest.param(S - timedelta(days=7) - timedelta(microseconds=1), False,
                 id="1 us earlier: eligible"),
])
def test_cooldown_days_ends_exactly_n_days_before_the_occurrence_start(
        aired_at: datetime, cooled: bool) -> None:
    block = make_block(time(20), 60, strategy=FillStrategy.BEST_FIT)
    channel = make_channel([block], policy=RecyclePolicy(cooldown_days=7,
                                                         min_available_ratio=0.0))
    first, second = make_item(1, 3600, title="first"), make_item(2, 3600, title="second")
    out = run(channel, [first, second], [record(channel, 1, aired_at)])
    # Equal lengths tie by id: "first" airs unless its cooldown keeps it off.
    assert [(s.start_at, s.item.title) for s in out.slots] == [
        (S, "second" if cooled else "first")]


def test_an_occurrence_nothing_fits_is_a_nothing_fits_warning() -> None:
    block = make_block(time(20), 30, strategy=FillStrategy.BEST_FIT, name="Half hour")
    channel = make_channel([block], policy=RecyclePolicy(cooldown_days=None))
    out = run(channel, [make_item(1, 31 * 60), make_item(2, 3600)])
    assert out.slots == ()
    assert len(out.warnings) == 1
    warning = out.warnings[0]
    assert (warning.code, warning.block_id) == ("nothing_fits", block.id)
    assert warning.code == WarningCode.NOTHING_FITS
    assert "'Half hour'" in warning.message
    assert "no item fits" in warning.message
    assert S.isoformat() in warning.message
