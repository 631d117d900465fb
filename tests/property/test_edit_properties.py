"""The engine's invariants across an edit of the schedule config between two generations.

Generation 1 runs at T1; an editor then replaces, removes, moves or re-creates blocks
(the block on air most often) and generation 2 runs at T2 over the kept slots, with
the continuity and history a repository would hand over. Generation 2 must keep
invariants 1-5 and 8 for the new config (the reference model attributes the pass on
air, sequential continuity and manual progress to the block that aired them, by id),
change nothing that aired (invariant 6: no new slot before T2 or over a kept slot),
and go on with every surviving block's series where that block left it (invariant 5).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from ktv_domain import (
    AlgorithmicContent,
    BlockContinuity,
    BlockId,
    MediaItem,
    ProgrammingBlock,
    ScheduleConfig,
)
from ktv_domain.engine import GenerationInput, build_generation
from property.edits import edited_configs
from property.model import (
    Scenario,
    check_generation,
    pool_for,
    ref_occurrences,
    scenarios,
    sequential_chains,
)

#: See test_engine_properties: room for a failure to shrink and be printed.
pytestmark = pytest.mark.timeout(900)


def pools_after(edited: Sequence[ProgrammingBlock],
                sc: Scenario) -> dict[BlockId, Sequence[MediaItem]]:
    """What the service would fetch: an unchanged block's pool as before, a new or
    re-created block's from the library."""
    old = {b.id: b for b in sc.inp.channel.schedule_config.blocks}
    pools: dict[BlockId, Sequence[MediaItem]] = {}
    for b in edited:
        if not isinstance(b.content, AlgorithmicContent):
            continue
        same = b.id in old and old[b.id].content == b.content and b.id in sc.inp.pools
        pools[b.id] = sc.inp.pools[b.id] if same else pool_for(b, sc.library)
    return pools


@given(scenarios(max_slots=2000), st.data())
def test_regeneration_after_editing_the_blocks(sc: Scenario, data: st.DataObject) -> None:
    inp1 = sc.inp
    gen1 = build_generation(inp1)
    check_generation(inp1, gen1)
    t1, h = inp1.at, inp1.horizon
    on_air_at = [s.start_at + (s.end_at - s.start_at) / 2 for s in gen1.slots]
    choice = data.draw(st.sampled_from(["on_air", "boundary", "any"])
                       if gen1.slots else st.just("any"))
    if choice == "on_air":  # most often in the middle of a slot: its block is on air
        t2 = data.draw(st.sampled_from(on_air_at))
    elif choice == "boundary":
        t2 = data.draw(st.sampled_from([s.end_at for s in gen1.slots]))
    else:
        t2 = t1 + timedelta(seconds=data.draw(st.integers(0, int(h.total_seconds()) - 1)))
    t2 = min(max(t2, t1), t1 + h - timedelta(microseconds=1))
    kept = [s for s in gen1.slots if s.start_at <= t2]
    on_air = next((s.block_id for s in kept if t2 < s.end_at), None)

    edited = data.draw(edited_configs(inp1.channel.schedule_config.blocks, sc.library, on_air))
    note(f"T2={t2.isoformat()} on air: {on_air}; edits: {edited.done}; "
         f"new blocks: {[(b.id, b.start_time, b.duration_mins) for b in edited.blocks]}")
    channel2 = dataclasses.replace(inp1.channel,
                                   schedule_config=ScheduleConfig(blocks=edited.blocks))
    # As the repository answers: each block id's last slot at or before T2 (ids of
    # removed blocks included), and every record up to T2.
    continuity: dict[BlockId, BlockContinuity] = dict(inp1.continuity)
    for s in kept:
        continuity[s.block_id] = BlockContinuity.from_slot(s)
    history = [*inp1.history, *(r for r in gen1.records() if r.scheduled_at <= t2)]
    inp2 = GenerationInput(
        channel=channel2, generation=inp1.generation + 1, at=t2, horizon=h, created_at=t2,
        pools=pools_after(edited.blocks, sc), manual_items=inp1.manual_items,
        kept_slots=kept, continuity=continuity, history=history, has_earlier_schedule=True)
    gen2 = build_generation(inp2)
    occs2 = check_generation(inp2, gen2)

    # Invariant 6: what aired stays as the guide showed it - programmes and dead air.
    last_kept = max((s.end_at for s in kept), default=None)
    for s in gen2.slots:
        assert s.start_at >= t2, f"slot at {s.start_at} before T2 = {t2} (aired as shown)"
        if last_kept is not None:
            assert s.start_at >= last_kept, f"slot at {s.start_at} over a kept slot"

    # Invariant 5 across the edit: an untouched block goes on from its own last item
    # (kept slots of generation 1, then generation 2's), whatever happened around it.
    # (A moved block's continuity is checked by check_generation's replay.)
    old = {b.id: b for b in inp1.channel.schedule_config.blocks}
    same = [b for b in edited.blocks if old.get(b.id) == b]
    covered1 = ref_occurrences(list(old.values()), inp1.channel.timezone, t1, t1 + h)
    start_after = {b: c.last_item for b, c in inp1.continuity.items()}
    survivors = dataclasses.replace(inp2, channel=dataclasses.replace(
        channel2, schedule_config=ScheduleConfig(blocks=tuple(same))))
    sequential_chains([*kept, *(s for s in gen2.slots if s.block_id in {b.id for b in same})],
                      [*covered1, *occs2], survivors, start_after)
