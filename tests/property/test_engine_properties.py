"""The engine's invariants (``docs/scheduling.md``) for generated channels, pools and times."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ktv_domain import (
    BlockContinuity,
    BlockId,
    FillStrategy,
    MediaItem,
    RecyclePolicy,
    ScheduleRecord,
)
from ktv_domain.engine import GenerationInput, build_generation, expand_occurrences
from property.model import (
    ZONES,
    Scenario,
    blocks,
    check_generation,
    instants,
    libraries,
    ref_occurrences,
    scenarios,
    sequential_chains,
    us,
)
from support import make_block, make_channel, make_item

#: Room for a failure to shrink (Hypothesis stops shrinking after 300 s) and be printed,
#: above the 300 s every other test gets.
pytestmark = pytest.mark.timeout(900)


@given(st.data())
def test_occurrences_match_the_wall_clock_rules(data: st.DataObject) -> None:
    """Invariant 1 (occurrences): the engine's expansion equals an independent one."""
    zone = data.draw(st.sampled_from(ZONES))
    blks = data.draw(blocks(data.draw(libraries())))
    start = data.draw(instants(zone))
    until = start + timedelta(hours=data.draw(st.integers(0, 96)))
    ref = ref_occurrences(blks, zone, start, until)
    channel = make_channel(blks, tz=zone)
    got = expand_occurrences(blks, channel.zone, start, until)
    assert [(o.block.id, o.local_date, o.start_us, o.end_us) for o in got] == [
        (o.block.id, o.day, o.start, o.end) for o in ref]
    starts = [o.start for o in ref]
    assert starts == sorted(starts)
    for a, b in pairwise(ref):
        assert a.end <= b.start
    for o in ref:
        assert 0 < o.end - o.start <= o.block.duration_mins * 60_000_000
        assert o.end > us(start)
        assert o.start < us(until)


@given(scenarios())
def test_one_generation_keeps_every_invariant(sc: Scenario) -> None:
    """Invariants 1-5 and 8: replay every occurrence against the contract's rules."""
    out = build_generation(sc.inp)
    occs = check_generation(sc.inp, out)
    sequential_chains(out.slots, occs, sc.inp,
                      {b: c.last_item for b, c in sc.inp.continuity.items()})


@given(scenarios(max_slots=2000))
def test_same_inputs_give_the_same_generation(sc: Scenario) -> None:
    """Invariant 7: the engine is a pure function of its input (random blocks included)."""
    first = build_generation(sc.inp)
    again = build_generation(sc.inp)
    assert again == first
    assert [s.id for s in again.slots] == [s.id for s in first.slots]
    assert [s.item.id for s in again.slots] == [s.item.id for s in first.slots]


@given(scenarios(max_slots=2000), st.data())
def test_regeneration_never_changes_the_past(sc: Scenario, data: st.DataObject) -> None:
    """Invariant 6 (and 1-5, 8 for the regeneration, 5 across the boundary)."""
    inp1 = sc.inp
    gen1 = build_generation(inp1)
    check_generation(inp1, gen1)
    t1, h = inp1.at, inp1.horizon
    boundaries = [s.start_at for s in gen1.slots] + [s.end_at for s in gen1.slots]
    choice = data.draw(st.sampled_from(["any", "boundary", "just_after"])
                       if boundaries else st.just("any"))
    if choice == "any":
        t2 = t1 + timedelta(seconds=data.draw(st.integers(0, int(h.total_seconds()) - 1)))
    else:
        t2 = data.draw(st.sampled_from(boundaries))
        if choice == "just_after":
            t2 += timedelta(microseconds=1)
        t2 = min(max(t2, t1), t1 + h - timedelta(microseconds=1))
    kept = [s for s in gen1.slots if s.start_at <= t2]
    continuity: dict[BlockId, BlockContinuity] = dict(inp1.continuity)
    for s in kept:
        continuity[s.block_id] = BlockContinuity.from_slot(s)
    history = [*inp1.history, *(r for r in gen1.records() if r.scheduled_at <= t2)]
    inp2 = GenerationInput(
        channel=inp1.channel, generation=inp1.generation + 1, at=t2, horizon=h,
        created_at=t2, pools=inp1.pools, manual_items=inp1.manual_items, kept_slots=kept,
        continuity=continuity, history=history, has_earlier_schedule=True)
    gen2 = build_generation(inp2)
    occs2 = check_generation(inp2, gen2)

    covered1 = ref_occurrences(inp1.channel.schedule_config.blocks, inp1.channel.timezone,
                               t1, t1 + h)
    kept_ids = {s.id for s in kept}
    assert all(s.id in kept_ids for s in gen1.slots if s.start_at <= t2)
    last_kept = max((s.end_at for s in kept), default=None)
    for s in gen2.slots:
        # Nothing aired is touched: new slots start after the kept ones end...
        if last_kept is not None:
            assert s.start_at >= last_kept
        assert all(s.end_at <= k.start_at or k.end_at <= s.start_at for k in kept)
        # ... and never start in the past of an occurrence generation 1 covered (a slot
        # may start exactly at T2 only when nothing was airing then: dead air at T2).
        in_covered = any(o.block.id == s.block_id and o.start <= us(s.start_at) < o.end
                         for o in covered1)
        if in_covered:
            assert s.start_at >= t2, f"slot at {s.start_at} < T2 = {t2}"
            if s.start_at == t2:
                assert not any(k.start_at <= t2 < k.end_at for k in kept)

    # Invariant 5 across the regeneration: kept + new slots follow the order.
    start_after: dict[BlockId, MediaItem] = {b: c.last_item
                                             for b, c in inp1.continuity.items()}
    sequential_chains([*kept, *gen2.slots], [*covered1, *occs2], inp1, start_after)


def test_regeneration_in_dead_air_does_not_fill_the_past() -> None:
    """Found by the regeneration property: T2 in the dead air at the end of an occurrence,
    and an item that became eligible since (generation cooldown moved on)."""
    block = make_block(time(10), 60, strategy=FillStrategy.BEST_FIT)
    policy = RecyclePolicy(cooldown_days=None, cooldown_generations=1, min_available_ratio=0.0)
    channel = make_channel([block], policy=policy)
    long, short = make_item(1, 50 * 60), make_item(2, 5 * 60)
    t1 = datetime(2026, 5, 1, 9, tzinfo=UTC)
    history = [ScheduleRecord(channel_id=channel.id, item_id=short.id,
                              scheduled_at=t1 - timedelta(days=3), generation=1)]
    inp1 = GenerationInput(channel=channel, generation=2, at=t1, horizon=timedelta(hours=6),
                           created_at=t1, pools={block.id: [long, short]}, history=history)
    gen1 = build_generation(inp1)
    check_generation(inp1, gen1)
    assert [(s.start_at, s.item.id) for s in gen1.slots] == [(t1 + timedelta(hours=1), long.id)]
    t2 = datetime(2026, 5, 1, 10, 55, tzinfo=UTC)  # 5 minutes into the dead air
    inp2 = GenerationInput(channel=channel, generation=3, at=t2, horizon=timedelta(hours=6),
                           created_at=t2, pools=inp1.pools, kept_slots=gen1.slots,
                           history=[*history, *gen1.records()])
    gen2 = build_generation(inp2)
    check_generation(inp2, gen2)
    # The short item is eligible again, but 10:50-10:55 already aired as dead air.
    assert [(s.start_at, s.item.id) for s in gen2.slots] == [(t2, short.id)]


def test_regeneration_mid_occurrence_with_an_item_back_from_cooldown() -> None:
    """Found by the regeneration property (ci profile): T2 inside an occurrence whose
    earlier passes ran without an item that was cooled then and is eligible for the
    regeneration. The pass in progress at T2 holds only what aired since its last
    repeat, so an item of an earlier pass and the newcomer are both unplaced in it:
    best_fit takes them longest first, ties by id, and need not air the newcomer first."""
    block = make_block(time(10), 2, strategy=FillStrategy.BEST_FIT)
    policy = RecyclePolicy(cooldown_days=None, cooldown_generations=2, min_available_ratio=0.0)
    channel = make_channel([block], policy=policy)
    a, b, n = make_item(1, 30), make_item(2, 1), make_item(3, 1)
    t1 = datetime(2026, 5, 1, 10, tzinfo=UTC)
    history = [ScheduleRecord(channel_id=channel.id, item_id=n.id,
                              scheduled_at=t1 - timedelta(days=1), generation=1)]
    inp1 = GenerationInput(channel=channel, generation=3, at=t1, horizon=timedelta(hours=6),
                           created_at=t1, pools={block.id: [a, b, n]}, history=history)
    gen1 = build_generation(inp1)  # n is cooled in generation 3 (1 >= 3 - 2)
    check_generation(inp1, gen1)
    assert [s.item.id for s in gen1.slots[:5]] == [a.id, b.id, a.id, b.id, a.id]
    t2 = t1 + timedelta(seconds=70)  # a airs 62 s..92 s: the pass in progress is {a}
    kept = [s for s in gen1.slots if s.start_at <= t2]
    assert kept[-1].item == a
    inp2 = GenerationInput(channel=channel, generation=4, at=t2, horizon=timedelta(hours=6),
                           created_at=t2, pools=inp1.pools, kept_slots=kept,
                           continuity={block.id: BlockContinuity.from_slot(kept[-1])},
                           history=[*history, *(r for r in gen1.records()
                                                if r.scheduled_at <= t2)])
    gen2 = build_generation(inp2)  # n is eligible again (1 < 4 - 2)
    check_generation(inp2, gen2)
    # b (aired in earlier passes, not in this one) and n tie at 1 s: b first, by id.
    assert [s.item.id for s in gen2.slots[:4]] == [b.id, n.id, b.id, n.id]
    assert gen2.slots[0].start_at == kept[-1].end_at


def test_random_picks_uniformly_among_the_items_that_fit() -> None:
    """random: the first pick of an occurrence is uniform over the eligible items that fit
    (300 daily occurrences, 3 fitting items and one that never fits)."""
    block = make_block(time(0), 30, strategy=FillStrategy.RANDOM)
    channel = make_channel([block], policy=RecyclePolicy(cooldown_days=None,
                                                         min_available_ratio=0.0))
    pool = [make_item(n, 30 * 60) for n in (1, 2, 3)] + [make_item(4, 31 * 60)]
    at = datetime(2026, 1, 1, tzinfo=UTC)
    out = build_generation(GenerationInput(channel=channel, generation=1, at=at,
                                           horizon=timedelta(days=300), created_at=at,
                                           pools={block.id: pool}))
    counts = Counter(s.item.id for s in out.slots)
    assert sum(counts.values()) == 300
    assert set(counts) == {pool[0].id, pool[1].id, pool[2].id}
    assert all(70 <= c <= 130 for c in counts.values()), counts  # ~3.6 sigma
