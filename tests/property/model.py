"""Generators and an independent reference model of the schedule engine's contract.

Everything here is written from ``docs/scheduling.md`` and the project's decisions,
not from the engine's code: occurrences are resolved by searching UTC offsets,
cooldowns by replaying the records, and every strategy by replaying its rule one
slot at a time against what the engine produced.
"""

from __future__ import annotations

import math
import uuid
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import assume
from hypothesis import strategies as st

from ktv_domain import (
    AlgorithmicContent,
    BlockContinuity,
    BlockId,
    ChannelId,
    FillStrategy,
    GeneratedSchedule,
    ManualContent,
    MediaFilter,
    MediaItem,
    MediaItemId,
    MediaPool,
    ProgrammingBlock,
    RecyclePolicy,
    ScheduledSlot,
    ScheduleRecord,
    WarningCode,
)
from ktv_domain.engine import GenerationInput, expand_occurrences, sequential_key
from support import item_id, make_channel

US = 1_000_000
DAY_US = 86_400 * US
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

ZONES = ("America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "UTC",
         "America/Santiago")

# DST transitions (UTC) of 2026/2027, taken from the tz database once.
_TRANSITIONS: dict[str, tuple[datetime, ...]] = {
    "America/New_York": (datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC),
                         datetime(2027, 3, 14, 7, tzinfo=UTC),
                         datetime(2027, 11, 7, 6, tzinfo=UTC)),
    "Europe/London": (datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC),
                      datetime(2027, 3, 28, 1, tzinfo=UTC), datetime(2027, 10, 31, 1, tzinfo=UTC)),
    "Australia/Lord_Howe": (datetime(2026, 4, 4, 15, tzinfo=UTC),
                            datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
                            datetime(2027, 4, 3, 15, tzinfo=UTC),
                            datetime(2027, 10, 2, 15, 30, tzinfo=UTC)),
}


def us(dt: datetime) -> int:
    return (dt - EPOCH) // timedelta(microseconds=1)


def playable(item: MediaItem) -> bool:
    """Known duration of at least one second (``MIN_PLAYABLE_SECS``)."""
    return item.duration_secs is not None and item.duration_secs >= 1.0


def dur(item: MediaItem) -> int:
    """The item's duration in microseconds (rounded like ``timedelta``)."""
    assert item.duration_secs is not None
    return timedelta(seconds=item.duration_secs) // timedelta(microseconds=1)


# ---------------------------------------------------------------------------
# Wall clock: an independent resolution of local times
# ---------------------------------------------------------------------------

def resolve_local(naive: datetime, zone: ZoneInfo) -> int:
    """The UTC instant (us) of a local wall time: the first match, or pushed by the gap."""
    offsets = {zone.utcoffset(naive + timedelta(hours=h)) for h in range(-30, 31, 6)}
    hits = []
    for off in offsets:
        assert off is not None
        utc = (naive - off).replace(tzinfo=UTC)
        if utc.astimezone(zone).replace(tzinfo=None) == naive:
            hits.append(us(utc))
    if hits:
        return min(hits)
    # Inside a gap: read the wall time with the offset in force before the gap.
    before = zone.utcoffset(naive - timedelta(hours=12))
    assert before is not None
    return us((naive - before).replace(tzinfo=UTC))


@dataclass(frozen=True)
class RefOcc:
    block: ProgrammingBlock
    day: date
    start: int
    end: int

    @property
    def key(self) -> tuple[BlockId, date]:
        return (self.block.id, self.day)


def ref_occurrences(blocks: Sequence[ProgrammingBlock], zone_name: str, start: datetime,
                    until: datetime) -> list[RefOcc]:
    if not blocks or until <= start:
        return []
    zone = ZoneInfo(zone_name)
    day = start.astimezone(zone).date() - timedelta(days=3)
    last = until.astimezone(zone).date() + timedelta(days=3)
    raw: list[tuple[int, datetime, int, date, ProgrammingBlock]] = []
    while day <= last:
        for order, b in enumerate(blocks):
            naive = datetime.combine(day, b.start_time)
            raw.append((resolve_local(naive, zone), naive, order, day, b))
        day += timedelta(days=1)
    raw.sort(key=lambda r: (r[0], r[1], r[2]))
    out = []
    for i, (s, _n, _o, d, b) in enumerate(raw):
        e = s + b.duration_mins * 60 * US
        if i + 1 < len(raw):
            e = min(e, raw[i + 1][0])
        if e > s and e > us(start) and s < us(until):
            out.append(RefOcc(b, d, s, e))
    return out


# ---------------------------------------------------------------------------
# Generators
# ---------------------------------------------------------------------------

GENRES = ("drama", "comedy", "news")
_INTERESTING_TIMES = (time(0, 0), time(0, 30), time(1, 0), time(1, 30), time(2, 0),
                      time(2, 15), time(2, 30), time(2, 45), time(3, 0), time(23, 0),
                      time(23, 30), time(22, 0, 30))


@st.composite
def instants(draw: st.DrawFn, zone: str) -> datetime:
    trans = _TRANSITIONS.get(zone, ())
    near_transition = draw(st.booleans())
    if trans and near_transition:
        base = draw(st.sampled_from(trans))
        at = base + timedelta(seconds=draw(st.integers(-60 * 3600, 30 * 3600)))
    else:
        at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
            seconds=draw(st.integers(0, 2 * 365 * 86_400)))
    if draw(st.integers(0, 4)) == 0:
        at += timedelta(microseconds=draw(st.integers(1, 999_999)))
    return at


_DURATION = st.one_of(
    st.sampled_from([None, 0.0, 0.4, 0.999999]),           # never playable
    st.sampled_from([1.0, 7.5, 20.0]),                      # tiny but playable
    st.integers(30, 900).map(float),                        # short
    st.sampled_from([5, 10, 15, 20, 30, 45, 60, 90, 120]).map(lambda m: m * 60.0),
    st.integers(5 * 60, 120 * 60).map(float),
    st.floats(300.0, 7200.0, allow_nan=False).map(lambda x: round(x, 7)),
    st.integers(86_401, 200_000).map(float),                # longer than any block
)


@st.composite
def items(draw: st.DrawFn, n: int) -> MediaItem:
    kw: dict[str, object] = {
        "title": draw(st.sampled_from(["A", "a", "B", "Zed"])),
        "series_name": draw(st.sampled_from([None, None, "Alpha", "alpha", "Beta"])),
        "season_number": draw(st.none() | st.integers(1, 3)),
        "episode_number": draw(st.none() | st.integers(1, 4)),
        "year": draw(st.none() | st.integers(1990, 2020)),
        "genres": tuple(draw(st.lists(st.sampled_from(GENRES), max_size=2, unique=True))),
    }
    return MediaItem(id=item_id(n), duration_secs=draw(_DURATION), **kw)  # type: ignore[arg-type]


@st.composite
def libraries(draw: st.DrawFn) -> list[MediaItem]:
    size = draw(st.sampled_from([0, 1, 2, 3, 5, 8, 12, 20, 30, 40]) | st.integers(0, 40))
    ns = draw(st.lists(st.integers(1, 10_000), min_size=size, max_size=size, unique=True))
    return [draw(items(n)) for n in ns]


@st.composite
def policies(draw: st.DrawFn) -> RecyclePolicy:
    return RecyclePolicy(
        cooldown_days=draw(st.sampled_from([None, 0, 1, 2, 7])),
        cooldown_generations=draw(st.sampled_from([None, 0, 1, 2, 3])),
        min_available_ratio=draw(st.sampled_from([0.0, 0.2, 0.5, 0.7, 1.0])
                                 | st.floats(0.0, 1.0, allow_nan=False)))


@st.composite
def one_block(draw: st.DrawFn, library: Sequence[MediaItem], block_id: BlockId,
              name: str) -> ProgrammingBlock:
    """A block with a drawn start, length and content (overlap with others not checked)."""
    start = draw(st.sampled_from(_INTERESTING_TIMES)
                 | st.builds(time, st.integers(0, 23), st.integers(0, 59))
                 | st.builds(time, st.integers(0, 23), st.integers(0, 59),
                             st.integers(0, 59)))
    mins = draw(st.sampled_from([1, 30, 60, 90, 120, 180, 360, 1440]) | st.integers(1, 1440))
    kind = draw(st.sampled_from(["best_fit", "random", "sequential", "manual"]))
    content: AlgorithmicContent | ManualContent
    if kind == "manual":
        listed = draw(st.lists(st.sampled_from([it.id for it in library]), unique=True,
                               max_size=12)) if library else []
        unknown = [item_id(20_000 + u) for u in draw(
            st.lists(st.integers(0, 5), unique=True, max_size=2))]
        ids = draw(st.permutations(listed + unknown))
        if not ids:
            ids = [item_id(30_000)]
        content = ManualContent(items=tuple(ids))
    else:
        genres = tuple(draw(st.lists(st.sampled_from(GENRES), max_size=2, unique=True)))
        content = AlgorithmicContent(filter=MediaFilter(genres=genres),
                                     strategy=FillStrategy(kind))
    return ProgrammingBlock(id=block_id, name=name, start_time=start, duration_mins=mins,
                            content=content, loop_on_finish=draw(st.booleans()))


@st.composite
def blocks(draw: st.DrawFn, library: Sequence[MediaItem]) -> tuple[ProgrammingBlock, ...]:
    out: list[ProgrammingBlock] = []
    for k in range(draw(st.integers(1, 6) | st.integers(0, 6))):
        block = draw(one_block(library, BlockId(uuid.UUID(int=(k + 1) << 64 | 0xB10C)),
                               f"B{k}"))
        if not any(block.overlaps(other) for other in out):
            out.append(block)
    return tuple(out)


def pool_for(block: ProgrammingBlock, library: Sequence[MediaItem]) -> list[MediaItem]:
    """What a provider returns for the block (unplayable items included: engine drops them)."""
    assert isinstance(block.content, AlgorithmicContent)
    f = block.content.filter
    return [it for it in library if not playable(it) or f.matches(it)]


def playable_unique(pool: Iterable[MediaItem]) -> list[MediaItem]:
    seen: set[MediaItemId] = set()
    out = []
    for it in pool:
        if playable(it) and it.id not in seen:
            seen.add(it.id)
            out.append(it)
    return out


def manual_list(block: ProgrammingBlock, known: Mapping[MediaItemId, MediaItem]) -> list[MediaItem]:
    assert isinstance(block.content, ManualContent)
    return [known[i] for i in block.content.items
            if i in known and playable(known[i])]


def candidates_of(block: ProgrammingBlock, inp: GenerationInput) -> list[MediaItem]:
    if isinstance(block.content, ManualContent):
        return manual_list(block, inp.manual_items)
    return playable_unique(inp.pools.get(block.id, ()))


def estimated_slots(inp: GenerationInput) -> float:
    """A rough upper estimate of a generation's size (keeps examples fast)."""
    days = inp.horizon / timedelta(days=1) + 2
    total = 0.0
    for b in inp.channel.schedule_config.blocks:
        length = b.duration_mins * 60 * US
        durs = [dur(c) for c in candidates_of(b, inp) if dur(c) <= length]
        if not durs:
            continue
        per_occ = float(len(durs))
        if b.loop_on_finish:
            per_occ = len(durs) * (length / sum(durs) + 1) + min(length, max(durs)) / min(durs)
        total += days * min(per_occ, length / min(durs))
    return total


@dataclass
class Scenario:
    inp: GenerationInput
    library: list[MediaItem]
    extra: dict[str, object] = field(default_factory=dict)


@st.composite
def scenarios(draw: st.DrawFn, *, max_slots: float = 4000) -> Scenario:
    zone = draw(st.sampled_from(ZONES))
    library = draw(libraries())
    blks = draw(blocks(library))
    policy = draw(policies())
    channel = make_channel(blks, tz=zone, policy=policy,
                           channel_id=ChannelId(uuid.UUID(int=draw(st.integers(1, 2**64)))))
    at = draw(instants(zone))
    horizon = timedelta(hours=draw(st.sampled_from([6, 24, 48, 72]) | st.integers(6, 72)))
    generation = draw(st.integers(1, 5))
    pools: dict[BlockId, Sequence[MediaItem]] = {}
    continuity: dict[BlockId, BlockContinuity] = {}
    catalog = MediaPool(library)
    for b in blks:
        if isinstance(b.content, AlgorithmicContent):
            pool = pool_for(b, library)
            how = draw(st.sampled_from(["list", "pool", "catalog", "positions"]))
            if how == "list":
                pools[b.id] = pool
            elif how == "pool":
                pools[b.id] = MediaPool(pool)
            elif how == "catalog":  # a pool cut from the library's (index derived from it)
                pools[b.id] = MediaPool(pool, catalog=catalog)
            else:
                ids = {it.id for it in pool}
                pools[b.id] = MediaPool.from_catalog(
                    catalog, [i for i, it in enumerate(library) if it.id in ids])
            if b.content.strategy is FillStrategy.SEQUENTIAL and draw(st.booleans()):
                # The block aired something before: an item of the pool, or one that left it.
                fresh = draw(items(50_000 + draw(st.integers(0, 99))))
                last = draw(st.sampled_from([*library, fresh]))
                continuity[b.id] = BlockContinuity(block_id=b.id, last_item=last,
                                                   last_start_at=at - timedelta(days=1))
    history: list[ScheduleRecord] = []
    # Records exactly on cooldown boundaries: an occurrence start minus whole days.
    first_occs = ref_occurrences(blks, zone, at, at + horizon)[:3]
    near = [datetime.fromtimestamp(o.start / US, UTC) - timedelta(days=d)
            for o in first_occs for d in (1, 2, 7)]
    near = [t for t in near if t < at] or [at - timedelta(days=1)]
    if generation > 1 and library:
        for _ in range(draw(st.integers(0, 15))):
            history.append(ScheduleRecord(
                channel_id=channel.id,
                item_id=draw(st.sampled_from([it.id for it in library] + [item_id(40_000)])),
                scheduled_at=draw(st.sampled_from(near) | st.builds(
                    lambda secs: at - timedelta(seconds=secs), st.integers(1, 12 * 86_400))),
                generation=draw(st.integers(1, generation - 1))))
    inp = GenerationInput(channel=channel, generation=generation, at=at, horizon=horizon,
                          created_at=at, pools=pools,
                          manual_items={it.id: it for it in library},
                          continuity=continuity, history=history,
                          has_earlier_schedule=generation > 1)
    assume(estimated_slots(inp) <= max_slots)
    return Scenario(inp=inp, library=library)


# ---------------------------------------------------------------------------
# The reference checks
# ---------------------------------------------------------------------------

def required(ratio: float, n: int) -> int:
    return math.ceil(Fraction(repr(ratio)) * n)


def eligible_at(pool: Sequence[MediaItem], start: int, records: Sequence[tuple[int, int, str]],
                policy: RecyclePolicy, generation: int) -> list[MediaItem]:
    """The recycle rule at an occurrence starting at ``start`` (records: (at, gen, item))."""
    last_at: dict[str, int] = {}
    last_gen: dict[str, int] = {}
    for at, gen, iid in records:
        if at < start:
            last_at[iid] = max(last_at.get(iid, at), at)
            last_gen[iid] = max(last_gen.get(iid, gen), gen)
    days, gens = policy.cooldown_days, policy.cooldown_generations

    def cooled(it: MediaItem) -> bool:
        if it.id not in last_at:
            return False
        return bool((days and last_at[it.id] >= start - days * DAY_US)
                    or (gens and last_gen[it.id] >= generation - gens))

    hot = [it for it in pool if cooled(it)]
    eligible = [it for it in pool if not cooled(it)]
    need = required(policy.min_available_ratio, len(pool))
    if len(eligible) < need:
        hot.sort(key=lambda it: (last_at[it.id], it.id))
        eligible += hot[:need - len(eligible)]
    assert len(eligible) >= min(need, len(pool))
    return eligible


def check_pass_rule(seq: Sequence[MediaItem], n_primed: int, starts: Sequence[int], end: int,
                    candidates: Sequence[MediaItem], loop: bool) -> None:
    """Invariant 3 in its checkable form (``starts``: start of each new slot).

    Placements before T (``seq[:n_primed]``) come from earlier generations,
    possibly over another candidate list (the library changed, or a cooldown
    expired). The contract's invariant 3 only constrains repeats against "the
    current pass", and the occurrence on air "is filled on from the end of the
    airing slot" (docs/scheduling.md: "in the same pass (items already aired in
    it count as placed)"). So at T the counts restart from the pass in progress:
    1 for each candidate aired since the last repeat of a candidate (the last
    pass boundary), 0 for every other candidate. An item that aired in an
    earlier pass, but not in this one, is as unplaced as a newcomer to the pool;
    neither has to catch up on earlier passes, and best_fit then breaks their
    tie by id. Candidates aired in the current pass still may not repeat before
    every fitting candidate has been placed.
    """
    counts: Counter[str] = Counter()
    for i, item in enumerate(seq):
        if i == n_primed:
            ids = {c.id for c in candidates}
            in_pass: set[str] = set()
            for p in seq[:n_primed]:
                if p.id in ids:
                    if p.id in in_pass:
                        in_pass = set()
                    in_pass.add(p.id)
            counts = Counter(dict.fromkeys(in_pass, 1))
        if i >= n_primed:
            k = counts[item.id] + 1
            rem = end - starts[i - n_primed]
            for c in candidates:
                if dur(c) <= rem:
                    assert counts[c.id] >= k - 1, (
                        f"{item.id} placed for the {k}th time while {c.id} (fits) "
                        f"was placed {counts[c.id]} times")
        counts[item.id] += 1
        if not loop:
            assert counts[item.id] == 1, f"{item.id} repeated with loop_on_finish false"


def replay_pool(new: Sequence[ScheduledSlot], primed: Sequence[MediaItem], fill_start: int,
                end: int, elig: Sequence[MediaItem], loop: bool, best_fit: bool) -> None:
    ids = {it.id for it in elig}
    in_pass: set[str] = set()
    for p in primed:
        if p.id in ids:
            if p.id in in_pass:
                in_pass = set()
            in_pass.add(p.id)
    cursor = fill_start
    for s in new:
        assert us(s.start_at) == cursor, "slots of an occurrence must be contiguous"
        rem = end - cursor
        fit = [c for c in elig if dur(c) <= rem and c.id not in in_pass]
        if not fit:
            assert loop, f"{s.item.id} placed after the pass ended (loop_on_finish false)"
            in_pass = set()
            fit = [c for c in elig if dur(c) <= rem]
            assert fit, f"{s.item.id} placed but no eligible item fits"
        if best_fit:
            expect = min(fit, key=lambda c: (-dur(c), c.id))
            assert s.item.id == expect.id, f"best_fit placed {s.item.id}, expected {expect.id}"
        else:
            assert s.item.id in {c.id for c in fit}, f"random placed ineligible {s.item.id}"
        in_pass.add(s.item.id)
        cursor += dur(s.item)
    rem = end - cursor
    left = [c.id for c in elig if dur(c) <= rem and c.id not in in_pass]
    assert not left, f"dead air of {rem}us that unplaced eligible {left} could fill"
    if loop:
        assert not [c for c in elig if dur(c) <= rem], "dead air a new pass could fill"


def sequential_order(pool: Sequence[MediaItem]) -> list[MediaItem]:
    return sorted(playable_unique(pool), key=sequential_key)


def replay_sequential(new: Sequence[ScheduledSlot], primed: Sequence[MediaItem],
                      last: MediaItem | None, occ: RefOcc, fill_start: int,
                      order: Sequence[MediaItem], loop: bool) -> None:
    n = len(order)
    keys = [sequential_key(it) for it in order]
    length = occ.end - occ.start
    if primed:
        last = primed[-1]
    pos = bisect_right(keys, sequential_key(last)) if last is not None else 0
    stopped = False
    if pos >= n:
        stopped = bool(primed) and not loop  # the list ended inside this occurrence
        pos = 0

    def nxt(rem: int) -> MediaItem | None:
        nonlocal pos
        for _ in range(n):
            if pos >= n:
                if not loop:
                    return None
                pos = 0
            it = order[pos]
            if dur(it) > length:
                pos += 1
                continue
            if dur(it) > rem:
                return None
            pos += 1
            return it
        return None

    cursor = fill_start
    for s in new:
        assert us(s.start_at) == cursor, "slots of an occurrence must be contiguous"
        expect = None if stopped else nxt(occ.end - cursor)
        assert expect is not None, f"sequential placed {s.item.id} where it should stop"
        assert s.item.id == expect.id, f"sequential placed {s.item.id}, expected {expect.id}"
        cursor += dur(s.item)
    if not stopped:
        after = nxt(occ.end - cursor)
        assert after is None, f"sequential stopped although {after.id} fits"


def replay_manual(new: Sequence[ScheduledSlot], primed: Sequence[MediaItem], fill_start: int,
                  end: int, listed: Sequence[MediaItem], loop: bool) -> None:
    n = len(listed)
    for j, p in enumerate(primed):
        assert p.id == listed[j % n].id
    k = len(primed)

    def nxt(rem: int) -> MediaItem | None:
        if not loop and k >= n:
            return None
        it = listed[k % n]
        return it if dur(it) <= rem else None

    cursor = fill_start
    for s in new:
        assert us(s.start_at) == cursor, "slots of an occurrence must be contiguous"
        expect = nxt(end - cursor)
        assert expect is not None, f"manual placed {s.item.id} where it should stop"
        assert s.item.id == expect.id, f"manual placed {s.item.id}, expected {expect.id}"
        k += 1
        cursor += dur(s.item)
    assert nxt(end - cursor) is None, "manual stopped although the next listed item fits"


def check_sequential_chain(slots: Sequence[ScheduledSlot], occ_of: Mapping[int, RefOcc],
                           order: Sequence[MediaItem], start_after: MediaItem | None,
                           loop: bool) -> None:
    """Invariant 5: consecutive slots of a sequential block follow the stable order.

    Between two consecutive slots, every item the order passes over must be one the
    later slot's occurrence could never hold (longer than the whole occurrence).
    """
    n = len(order)
    keys = [sequential_key(it) for it in order]
    index = {it.id: i for i, it in enumerate(order)}
    prev: MediaItem | None = start_after
    prev_occ: RefOcc | None = None
    for s in slots:
        occ = occ_of[us(s.start_at)]
        assert s.item.id in index, f"{s.item.id} is not in the block's pool"
        j = bisect_right(keys, sequential_key(prev)) if prev is not None else 0
        same_occ = prev_occ is not None and prev_occ.key == occ.key
        if same_occ and not loop:
            assert j <= index[s.item.id], "sequential wrapped inside an occurrence (no loop)"
        for _ in range(n + 1):
            it = order[j % n]
            if it.id == s.item.id:
                break
            assert dur(it) > occ.end - occ.start, (
                f"sequential skipped {it.id} between {prev and prev.id} and {s.item.id}")
            j += 1
        prev, prev_occ = s.item, occ


def check_generation(inp: GenerationInput, out: GeneratedSchedule) -> list[RefOcc]:
    """Invariants 1-5 and 8 for one generation (with its kept slots, if any)."""
    channel = inp.channel
    cfg_blocks = channel.schedule_config.blocks
    G = inp.generation
    until = inp.at + inp.horizon
    occs = ref_occurrences(cfg_blocks, channel.timezone, inp.at, until)
    engine_occs = expand_occurrences(cfg_blocks, channel.zone, inp.at, until)
    assert [(o.block.id, o.local_date, o.start_us, o.end_us) for o in engine_occs] == [
        (o.block.id, o.day, o.start, o.end) for o in occs]

    assert out.generation == G
    assert out.channel_id == channel.id
    kept = sorted((s for s in inp.kept_slots if s.start_at <= inp.at), key=lambda s: s.start_at)
    slots = list(out.slots)
    # 1. sorted, non-overlapping (kept slots included), each inside one occurrence of its block
    combined = kept + slots
    for a, b in pairwise(combined):
        assert a.end_at <= b.start_at, f"overlap or disorder: {a.start_at} {b.start_at}"
    by_occ: dict[int, list[ScheduledSlot]] = {}
    for s in slots:
        assert s.generation == G
        assert s.channel_id == channel.id
        homes = [i for i, o in enumerate(occs) if o.block.id == s.block_id
                 and o.start <= us(s.start_at) and us(s.end_at) <= o.end]
        assert len(homes) == 1, f"slot at {s.start_at} lies in {len(homes)} occurrences"
        by_occ.setdefault(homes[0], []).append(s)
        # 2. the slot lasts exactly the item's (microsecond-rounded) duration
        assert s.item.duration_secs is not None
        assert s.item.duration_secs >= 1.0
        assert s.end_at - s.start_at == timedelta(seconds=s.item.duration_secs)
        assert s.end_at - s.start_at == s.item.duration

    records = [(us(r.scheduled_at), r.generation, r.item_id) for r in inp.history]
    records += [(us(s.start_at), G, s.item.id) for s in slots]
    # Nothing before T after an earlier schedule, kept slots or not; a first generation
    # fills occurrences in progress from their start.
    barrier = max((us(s.end_at) for s in kept),
                  default=us(inp.at) if inp.has_earlier_schedule else None)
    last_seq: dict[BlockId, MediaItem] = {b: c.last_item for b, c in inp.continuity.items()}
    filled: set[BlockId] = set()
    for i, occ in enumerate(occs):
        block = occ.block
        new = by_occ.get(i, [])
        # Filled from max(start, end of the kept slots); never before T after an earlier
        # schedule (see the regeneration tests).
        fill_start = occ.start if barrier is None else max(occ.start, barrier, us(inp.at))
        if fill_start >= occ.end:
            assert not new
            continue
        filled.add(block.id)
        primed = [s.item for s in kept if s.block_id == block.id
                  and occ.start <= us(s.start_at) < occ.end] if fill_start > occ.start else []
        content = block.content
        loop = block.loop_on_finish
        if isinstance(content, ManualContent):
            cands = manual_list(block, inp.manual_items)
            if cands:
                replay_manual(new, primed, fill_start, occ.end, cands, loop)
        else:
            pool = playable_unique(inp.pools.get(block.id, ()))
            if content.strategy is FillStrategy.SEQUENTIAL:
                cands = sequential_order(pool)
                if cands:
                    replay_sequential(new, primed, last_seq.get(block.id), occ, fill_start,
                                      cands, loop)
                if new:
                    last_seq[block.id] = new[-1].item
                elif primed:
                    last_seq[block.id] = primed[-1]
            else:
                cands = eligible_at(pool, occ.start, records, channel.recycle_policy, G)
                if cands:
                    replay_pool(new, primed, fill_start, occ.end, cands, loop,
                                content.strategy is FillStrategy.BEST_FIT)
        if not cands:
            assert not new, "slots placed from an empty candidate list"
        # 3. the pass rule in its checkable form
        check_pass_rule(list(primed) + [s.item for s in new], len(primed),
                        [us(s.start_at) for s in new], occ.end, cands, loop)

    # warnings: unknown/unplayable manual ids, empty pools
    codes = {(w.block_id, w.code) for w in out.warnings}
    for blk in cfg_blocks:
        if blk.id not in filled:
            continue
        if isinstance(blk.content, ManualContent):
            if len(manual_list(blk, inp.manual_items)) < len(blk.content.items):
                assert (blk.id, WarningCode.UNKNOWN_ITEMS) in codes
            if not manual_list(blk, inp.manual_items):
                assert (blk.id, WarningCode.EMPTY_POOL) in codes
        elif not playable_unique(inp.pools.get(blk.id, ())):
            assert (blk.id, WarningCode.EMPTY_POOL) in codes
    return occs


def sequential_chains(slots: Sequence[ScheduledSlot], occs: Iterable[RefOcc],
                      inp: GenerationInput, start_after: Mapping[BlockId, MediaItem]) -> None:
    """Run :func:`check_sequential_chain` for every sequential block over ``slots``."""
    by_block: dict[BlockId, list[RefOcc]] = {}
    for o in occs:
        by_block.setdefault(o.block.id, []).append(o)
    for b in inp.channel.schedule_config.blocks:
        c = b.content
        if not (isinstance(c, AlgorithmicContent) and c.strategy is FillStrategy.SEQUENTIAL):
            continue
        mine = sorted((s for s in slots if s.block_id == b.id), key=lambda s: s.start_at)
        occ_of = {}
        for s in mine:
            home = [o for o in by_block.get(b.id, [])
                    if o.start <= us(s.start_at) and us(s.end_at) <= o.end]
            assert home
            occ_of[us(s.start_at)] = home[0]
        check_sequential_chain(mine, occ_of, sequential_order(inp.pools.get(b.id, ())),
                               start_after.get(b.id), b.loop_on_finish)


__all__ = [
    "ZONES",
    "RefOcc",
    "Scenario",
    "check_generation",
    "one_block",
    "pool_for",
    "ref_occurrences",
    "scenarios",
    "sequential_chains",
    "us",
]
