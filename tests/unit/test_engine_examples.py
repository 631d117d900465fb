"""Worked examples of the engine's rules (the property tests cover the general case)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta

from ktv_domain import (
    BlockContinuity,
    BlockId,
    Channel,
    FillStrategy,
    GeneratedSchedule,
    MediaItem,
    MediaItemId,
    MediaPool,
    RecyclePolicy,
    ScheduledSlot,
    ScheduleRecord,
    WarningCode,
)
from ktv_domain.engine import GenerationInput, build_generation, expand_occurrences
from support import item_id, make_block, make_channel, make_item

NO_COOLDOWN = RecyclePolicy(cooldown_days=None, min_available_ratio=0.0)
T = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def run(channel: Channel, pool: Sequence[MediaItem] = (), *, at: datetime = T,
        hours: int = 24, generation: int = 1, kept: Sequence[ScheduledSlot] = (),
        continuity: Mapping[BlockId, BlockContinuity] | None = None,
        history: Sequence[ScheduleRecord] = (), manual: Sequence[MediaItem] = (),
        errors: Mapping[BlockId, str] | None = None) -> GeneratedSchedule:
    pools = {b.id: MediaPool(pool) for b in channel.schedule_config.blocks}
    return build_generation(GenerationInput(
        channel=channel, generation=generation, at=at, horizon=timedelta(hours=hours),
        created_at=at, pools=pools, manual_items={m.id: m for m in manual},
        kept_slots=kept, continuity=continuity or {}, history=history,
        source_errors=errors or {}))


def titles(g: GeneratedSchedule) -> list[str]:
    return [s.item.title for s in g.slots]


def minutes(*mins: int) -> list[MediaItem]:
    return [make_item(i, m * 60, title=f"{m}m#{i}") for i, m in enumerate(mins)]


class TestBestFit:
    def test_longest_that_fits_first_and_ties_by_id(self) -> None:
        block = make_block(time(20), 100, strategy=FillStrategy.BEST_FIT)
        ch = make_channel([block], policy=NO_COOLDOWN)
        g = run(ch, minutes(30, 60, 45, 30, 10, 90), hours=12, at=T)
        first = [s for s in g.slots if s.start_at.date() == T.date()]
        # 90 fits, leaving 10: only the 10-minute item fits; then nothing.
        assert [s.item.title for s in first] == ["90m#5", "10m#4"]
        assert first[0].start_at == datetime(2026, 11, 21, 20, 0, tzinfo=UTC)

    def test_loops_in_passes_and_stops_without_loop(self) -> None:
        pool = minutes(30, 30)
        looped = run(make_channel([make_block(time(20), 120)], policy=NO_COOLDOWN), pool,
                     hours=10)
        assert titles(looped) == ["30m#0", "30m#1", "30m#0", "30m#1"]
        once = run(make_channel([make_block(time(20), 120, loop=False)], policy=NO_COOLDOWN),
                   pool, hours=10)
        assert titles(once) == ["30m#0", "30m#1"]

    def test_cooldown_then_ratio_readmits_least_recent(self) -> None:
        pool = minutes(60, 60, 60, 60)
        block = make_block(time(20), 60)
        history = [ScheduleRecord(channel_id=ch_id, item_id=item_id(i),
                                  scheduled_at=T - timedelta(days=1, hours=i), generation=1)
                   for i in range(4) for ch_id in [make_channel().id]]
        strict = make_channel([block], policy=RecyclePolicy(cooldown_days=7,
                                                            min_available_ratio=0.0))
        g = run(strict, pool, history=history, hours=10, generation=2)
        assert g.slots == ()  # everything is cooling down
        ratio = make_channel([block], policy=RecyclePolicy(cooldown_days=7,
                                                           min_available_ratio=0.25))
        g = run(ratio, pool, history=history, hours=10, generation=2)
        # item 3 was scheduled longest ago: it is the one let back in.
        assert titles(g) == ["60m#3"]

    def test_cooldown_by_generations(self) -> None:
        pool = minutes(60, 60)
        history = [ScheduleRecord(channel_id=make_channel().id, item_id=item_id(0),
                                  scheduled_at=T - timedelta(days=30), generation=4)]
        block = make_block(time(20), 60)
        policy = RecyclePolicy(cooldown_days=None, cooldown_generations=2,
                               min_available_ratio=0.0)
        g = run(make_channel([block], policy=policy), pool, history=history, generation=5,
                hours=10)
        assert titles(g) == ["60m#1"]
        g = run(make_channel([block], policy=policy), pool, history=history, generation=7,
                hours=10)
        assert titles(g) == ["60m#0"]


class TestRandom:
    def test_reproducible_and_varied(self) -> None:
        pool = [make_item(i, 300 + i) for i in range(50)]
        ch = make_channel([make_block(time(0), 1440, strategy=FillStrategy.RANDOM)],
                          policy=NO_COOLDOWN)
        a, b = run(ch, pool, hours=48), run(ch, pool, hours=48)
        assert a == b
        day1 = [s.item.id for s in a.slots if s.start_at.day == 21]
        day2 = [s.item.id for s in a.slots if s.start_at.day == 22]
        assert day1[:50] != day2[:50]
        assert len(set(day1[:50])) == 50  # one pass before any repeat


class TestSequential:
    def episodes(self) -> list[MediaItem]:
        return [make_item(10 * s + e, 1800, series_name="Show", season_number=s,
                          episode_number=e, title=f"S{s}E{e}")
                for s in (2, 1) for e in (3, 2, 1)]

    def test_order_continuity_and_wrap(self) -> None:
        ch = make_channel([make_block(time(20), 60, strategy=FillStrategy.SEQUENTIAL)])
        g = run(ch, self.episodes(), hours=72)
        assert titles(g) == ["S1E1", "S1E2", "S1E3", "S2E1", "S2E2", "S2E3"]
        last = g.slots[-1]
        g2 = run(ch, self.episodes(), at=T + timedelta(days=3), hours=48, generation=2,
                 continuity={last.block_id: BlockContinuity.from_slot(last)})
        assert titles(g2) == ["S1E1", "S1E2", "S1E3", "S2E1"]

    def test_resumes_after_an_item_that_left_the_library(self) -> None:
        eps = self.episodes()
        block = make_block(time(20), 30, strategy=FillStrategy.SEQUENTIAL)
        ch = make_channel([block])
        gone = next(e for e in eps if e.title == "S1E2")
        present = [e for e in eps if e.id != gone.id]
        cont = BlockContinuity(block_id=block.id, last_item=gone, last_start_at=T)
        g = run(ch, present, hours=24, continuity={block.id: cont})
        assert titles(g) == ["S1E3"]

    def test_misfit_ends_occurrence_but_overlong_items_are_skipped(self) -> None:
        items = [make_item(1, 40 * 60, series_name="A", episode_number=1, title="40"),
                 make_item(2, 3 * 3600, series_name="A", episode_number=2, title="too long"),
                 make_item(3, 30 * 60, series_name="A", episode_number=3, title="30"),
                 make_item(4, 10 * 60, series_name="A", episode_number=4, title="10")]
        ch = make_channel([make_block(time(20), 60, strategy=FillStrategy.SEQUENTIAL)])
        g = run(ch, items, hours=40)
        # day 1: 40, then "30" does not fit in 20 -> dead air; day 2 resumes at "30".
        assert titles(g) == ["40", "30", "10"]


class TestManual:
    def test_order_unknown_ids_and_misfit(self) -> None:
        items = minutes(20, 50, 10)
        block = make_block(time(20), 60, manual=[items[0].id, MediaItemId("missing"),
                                                 items[1].id, items[2].id])
        g = run(make_channel([block]), manual=items, hours=10)
        assert titles(g) == ["20m#0"]  # the 50-minute item does not fit the 40 left
        assert [w.code for w in g.warnings] == [WarningCode.UNKNOWN_ITEMS]
        assert "missing" in g.warnings[0].message


class TestGenerations:
    def test_regeneration_keeps_the_airing_slot_and_fills_on(self) -> None:
        pool = minutes(45, 45, 45, 45)
        ch = make_channel([make_block(time(11), 240, strategy=FillStrategy.RANDOM)],
                          policy=NO_COOLDOWN)
        g1 = run(ch, pool, at=T - timedelta(hours=1), hours=6)
        at = T + timedelta(minutes=10)  # 12:10, inside the second slot (11:45-12:30)
        kept = [s for s in g1.slots if s.start_at <= at]
        g2 = run(ch, pool, at=at, hours=6, generation=2, kept=kept)
        assert g2.slots[0].start_at == kept[-1].end_at
        # the pass goes on: the two items still unplaced in this pass come next
        kept_ids = {s.item.id for s in kept}
        assert {s.item.id for s in g2.slots[:2]}.isdisjoint(kept_ids)

    def test_first_generation_joins_the_occurrence_in_progress_mid_item(self) -> None:
        ch = make_channel([make_block(time(11), 240)], policy=NO_COOLDOWN)
        g = run(ch, minutes(45, 45), at=T, hours=6)
        assert g.slots[0].start_at == datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
        assert g.valid_from == T

    def test_warnings_for_empty_pool_and_source_errors(self) -> None:
        a = make_block(time(1), 60, name="A")
        b = make_block(time(5), 60, name="B")
        g = run(make_channel([a, b]), [], errors={b.id: "jellyfin unreachable"}, hours=30)
        codes = {(w.block_id, w.code) for w in g.warnings}
        assert codes == {(a.id, WarningCode.EMPTY_POOL),
                         (b.id, WarningCode.MEDIA_SOURCE_UNAVAILABLE)}
        assert g.slots == ()


class TestWallClock:
    def test_new_york_spring_forward_moves_the_block_by_the_gap(self) -> None:
        ch = make_channel([make_block(time(2, 30), 60)], tz="America/New_York")
        occ = expand_occurrences(ch.schedule_config.blocks, ch.zone,
                                 datetime(2027, 3, 14, 0, tzinfo=UTC),
                                 datetime(2027, 3, 15, 0, tzinfo=UTC))
        local = [o.start.astimezone(ch.zone) for o in occ]
        assert [(t.day, t.hour, t.minute) for t in local] == [(14, 3, 30)]

    def test_fall_back_takes_the_first_instant(self) -> None:
        ch = make_channel([make_block(time(1, 30), 30)], tz="America/New_York")
        occ = expand_occurrences(ch.schedule_config.blocks, ch.zone,
                                 datetime(2026, 11, 1, 4, tzinfo=UTC),
                                 datetime(2026, 11, 1, 8, tzinfo=UTC))
        assert [o.start.isoformat() for o in occ] == ["2026-11-01T05:30:00+00:00"]  # EDT

    def test_dst_overrun_is_clipped_at_the_next_occurrence(self) -> None:
        a = make_block(time(1, 0), 120, name="A")  # 01:00 EST + 120 real minutes = 04:00 EDT
        b = make_block(time(3, 0), 60, name="B")  # 03:00 EDT
        ch = make_channel([a, b], tz="America/New_York")
        occ = expand_occurrences(ch.schedule_config.blocks, ch.zone,
                                 datetime(2027, 3, 14, 5, tzinfo=UTC),
                                 datetime(2027, 3, 14, 9, tzinfo=UTC))
        assert [(o.block.name, o.start.isoformat(), o.end.isoformat()) for o in occ] == [
            ("A", "2027-03-14T06:00:00+00:00", "2027-03-14T07:00:00+00:00"),
            ("B", "2027-03-14T07:00:00+00:00", "2027-03-14T08:00:00+00:00"),
        ]

    def test_lord_howe_half_hour_gap(self) -> None:
        ch = make_channel([make_block(time(2, 15), 30)], tz="Australia/Lord_Howe")
        occ = expand_occurrences(ch.schedule_config.blocks, ch.zone,
                                 datetime(2026, 10, 3, 12, tzinfo=UTC),
                                 datetime(2026, 10, 4, 12, tzinfo=UTC))
        local = occ[0].start.astimezone(ch.zone)
        assert (local.day, local.hour, local.minute) == (4, 2, 45)
