"""The playout plan (``ktv_domain.playout``): time tiled exactly, aligned to the slots.

Schedules are drawn as runs of back-to-back slots separated by gaps (the
shape the engine stores); instants are drawn inside slots, inside gaps, on
boundaries and outside coverage.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from ktv_domain import (
    BlockId,
    ChannelId,
    PlayoutSegment,
    ScheduledSlot,
    ScheduleView,
    playout_plan,
    revise,
    segment_at,
)
from support import T0, make_item

CHANNEL = ChannelId(uuid.UUID(int=1))
BLOCK = BlockId(uuid.UUID(int=2))
US = timedelta(microseconds=1)


def _slot(start: datetime, secs: float, n: int, generation: int = 1) -> ScheduledSlot:
    item = make_item(n, secs)
    assert item.duration is not None
    return ScheduledSlot(id=uuid.uuid4(), channel_id=CHANNEL, block_id=BLOCK,
                         generation=generation, start_at=start, end_at=start + item.duration,
                         item=item)


@st.composite
def schedules(draw: st.DrawFn, *, start: datetime = T0,
              generation: int = 1) -> list[ScheduledSlot]:
    """Non-overlapping slots: item lengths to the microsecond, gaps of 0 to hours."""
    slots: list[ScheduledSlot] = []
    at = start + timedelta(microseconds=draw(st.integers(0, 3_600_000_000)))
    for n in range(draw(st.integers(0, 12))):
        secs = draw(st.one_of(st.integers(1, 7200).map(float),
                              st.floats(1.0, 7200.0, allow_nan=False)))
        slot = _slot(at, secs, n, generation)
        slots.append(slot)
        gap = draw(st.sampled_from([0, 0, 0, 1, 999_999, 60_000_000, 7_200_000_000]))
        at = slot.end_at + timedelta(microseconds=gap)
    return slots


@st.composite
def instants(draw: st.DrawFn, slots: list[ScheduledSlot]) -> datetime:
    """Any instant, with a bias towards the exact boundaries and the instants beside them."""
    edges = [t for s in slots for t in (s.start_at, s.end_at)]
    near_edge: bool = draw(st.booleans())
    if edges and near_edge:
        return draw(st.sampled_from(edges)) + draw(st.sampled_from([-US, timedelta(0), US]))
    return T0 + timedelta(microseconds=draw(st.integers(-3_600_000_000, 30 * 3_600_000_000)))


def _check_tiling(plan: list[PlayoutSegment], start: datetime, until: datetime) -> None:
    assert plan, "a non-empty window has at least one segment"
    assert plan[0].start_at == start
    assert plan[-1].end_at == until
    for a, b in pairwise(plan):
        assert a.end_at == b.start_at, "no gap and no overlap between segments"
        assert not (a.is_slate and b.is_slate), "one gap is one slate"
    for seg in plan:
        assert seg.end_at > seg.start_at


@given(st.data())
def test_the_plan_tiles_time_exactly_from_any_instant(data: st.DataObject) -> None:
    slots = data.draw(schedules())
    view = ScheduleView(slots)
    start = data.draw(instants(slots))
    until = start + timedelta(microseconds=data.draw(st.integers(1, 40 * 3_600_000_000)))
    plan = playout_plan(view, start, until)
    _check_tiling(plan, start, until)

    on_air = view.now(start)
    first = plan[0]
    if on_air is None:
        assert first.is_slate
    else:  # the first segment joins the slot on air at the right offset
        assert first.slot == on_air.slot
        assert first.offset == start - on_air.slot.start_at
    for seg in plan[1:]:
        if not seg.is_slate:  # every later item starts at its slot's start, offset 0
            assert seg.slot is not None
            assert seg.offset == timedelta(0)
            assert seg.start_at == seg.slot.start_at
    # Every slot inside the window appears, whole, in order; nothing else does.
    inside = list(view.window(start, until))
    assert [seg.slot for seg in plan if seg.slot is not None] == inside
    for seg in plan:
        if seg.slot is not None and seg.end_at < until:
            assert seg.end_at == seg.slot.end_at, "an item plays to its slot's end"


@given(st.data())
def test_gaps_become_slate_of_exactly_the_gap(data: st.DataObject) -> None:
    slots = data.draw(schedules())
    view = ScheduleView(slots)
    start = data.draw(instants(slots))
    until = start + timedelta(hours=40)
    plan = playout_plan(view, start, until)
    for seg in plan:
        if not seg.is_slate:
            continue
        # Nothing is on air anywhere in a slate...
        assert view.now(seg.start_at) is None
        assert view.window(seg.start_at, seg.end_at) == []
        # ...and it ends exactly where the next slot starts (or where the window ends).
        nxt = view.next_after(seg.start_at)
        if seg.end_at < until:
            assert nxt is not None
            assert seg.end_at == nxt.start_at
            assert seg.next_slot == nxt
        elif nxt is not None and nxt.start_at <= until:
            assert seg.end_at == nxt.start_at == until


def _follow(views: list[tuple[datetime, ScheduleView]], start: datetime,
            until: datetime) -> list[tuple[PlayoutSegment, ScheduleView]]:
    """What a running channel does: at each boundary, ask the newest schedule stored by
    then; during a slate, check every newer schedule as it arrives (``revise``)."""
    def newest(at: datetime) -> ScheduleView:
        return [v for t, v in views if t <= at][-1]

    out: list[tuple[PlayoutSegment, ScheduleView]] = []
    at = start
    while at < until:
        view = newest(at)
        seg = segment_at(view, at)
        for t, later in views:
            if seg.is_slate and at < t < seg.end_at:
                seg = revise(seg, later, t)
                view = later
                if seg.end_at <= t:
                    break
        out.append((seg, view))
        at = seg.end_at
    return out


@given(st.data())
def test_a_regeneration_during_a_session_is_followed_without_cutting_the_item_on_air(
        data: st.DataObject) -> None:
    old = data.draw(schedules())
    first = ScheduleView(old)
    start = data.draw(instants(old))
    # A regeneration stored at `t`: the engine keeps every slot that started by then
    # (the one on air included) and replaces what follows with new slots.
    t = start + timedelta(microseconds=data.draw(st.integers(0, 10 * 3_600_000_000)))
    kept = [s for s in old if s.start_at <= t]
    resume = max([t, *(s.end_at for s in kept)])
    new = data.draw(schedules(start=resume, generation=2))
    second = ScheduleView(kept + new)
    until = start + timedelta(hours=30)

    followed = _follow([(start, first), (t, second)], start, until)
    segments = [seg for seg, _ in followed]
    _check_tiling_of_sequence(segments, start, until)
    for seg, view in followed:
        if seg.is_slate:
            assert view.window(seg.start_at, seg.end_at) == []
            continue
        assert seg.slot is not None
        # Each item comes from the schedule in force when it started...
        assert seg.slot in view.slots
        if seg.start_at >= t:
            assert seg.slot in second.slots
        # ...and plays to its slot's end: a regeneration never cuts it.
        if seg.end_at < until:
            assert seg.end_at == seg.slot.end_at
    # After the regeneration, the stream plays exactly the new schedule.
    after = [seg.slot for seg in segments if seg.slot is not None and seg.start_at > resume]
    assert after == [s for s in new if s.start_at > resume and s.start_at < until]


def _check_tiling_of_sequence(segs: list[PlayoutSegment], start: datetime,
                              until: datetime) -> None:
    assert segs[0].start_at == start
    assert segs[-1].end_at >= until
    for a, b in pairwise(segs):
        assert a.end_at == b.start_at


@given(st.data())
def test_a_slate_gives_way_at_once_to_a_newer_schedule(data: st.DataObject) -> None:
    """A channel with no schedule (or in a gap) switches to a slot stored meanwhile."""
    gap_start = T0
    slate = segment_at(ScheduleView([]), gap_start)
    assert slate.is_slate
    assert slate.next_slot is None
    at = gap_start + timedelta(microseconds=data.draw(st.integers(1, 3_599_999_999)))
    delta = timedelta(microseconds=data.draw(st.integers(-1_000_000_000, 1_000_000_000)))
    slot = _slot(at + delta, data.draw(st.integers(1, 3600)), 1)
    revised = revise(slate, ScheduleView([slot]), at)
    if slot.start_at <= at < slot.end_at:  # on air already: the slate ends now
        assert revised.end_at == at
        nxt = segment_at(ScheduleView([slot]), at)
        assert nxt.slot == slot
        assert nxt.offset == at - slot.start_at
    elif at < slot.start_at <= slate.end_at:  # starts before the slate would end
        assert revised.end_at == slot.start_at
        assert revised.next_slot == slot
    else:
        assert revised == slate


def test_exact_boundaries() -> None:
    """A slot that ends at T is not on air at T; one that starts at T is."""
    a = _slot(T0, 60, 1)
    b = _slot(a.end_at + timedelta(seconds=30), 60, 2)
    view = ScheduleView([a, b])
    at_end = segment_at(view, a.end_at)
    assert at_end.is_slate
    assert (at_end.start_at, at_end.end_at, at_end.next_slot) == (a.end_at, b.start_at, b)
    just_before = segment_at(view, a.end_at - US)
    assert (just_before.slot, just_before.end_at, just_before.offset) == (
        a, a.end_at, timedelta(seconds=60) - US)
    at_start = segment_at(view, b.start_at)
    assert (at_start.slot, at_start.offset) == (b, timedelta(0))
    plan = playout_plan(view, T0 - timedelta(seconds=10), b.end_at + timedelta(seconds=5))
    assert [(s.start_at - T0, s.end_at - T0, s.slot) for s in plan] == [
        (timedelta(seconds=-10), timedelta(0), None),
        (timedelta(0), timedelta(seconds=60), a),
        (timedelta(seconds=60), timedelta(seconds=90), None),
        (timedelta(seconds=90), timedelta(seconds=150), b),
        (timedelta(seconds=150), timedelta(seconds=155), None),
    ]
