from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

import pytest

from ktv_domain import (
    BlockId,
    ContentType,
    Email,
    ManualContent,
    MediaFilter,
    MediaItem,
    MediaItemId,
    RecyclePolicy,
    ScheduleConfig,
    ValidationError,
)
from support import make_block, make_channel, make_item


def fields_of(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {e.field for e in exc.value.errors}


class TestMediaItem:
    def test_durations_below_one_second_or_unknown_are_not_playable(self) -> None:
        assert make_item(1, None).duration_us is None
        assert make_item(1, 0).duration_us is None
        assert make_item(1, 0.999).duration_us is None
        assert make_item(1, 1).duration_us == 1_000_000

    def test_duration_rounds_like_timedelta(self) -> None:
        item = make_item(1, 1234.5678915)
        assert item.duration is not None
        assert item.duration.total_seconds() == pytest.approx(1234.567892)

    @pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
    def test_rejects_impossible_durations(self, bad: float) -> None:
        with pytest.raises(ValidationError) as exc:
            make_item(1, bad)
        assert fields_of(exc) == {"duration_secs"}

    def test_rejects_empty_id(self) -> None:
        with pytest.raises(ValidationError):
            MediaItem(id=MediaItemId(""), title="x")


class TestMediaFilter:
    def item(self, **kw: object) -> MediaItem:
        base: dict[str, object] = {"genres": ("Comedy",), "tags": ("90s",), "year": 1994,
                                   "series_name": "Friends", "collections": ("lib1",)}
        base.update(kw)
        return make_item(1, 1500, **base)

    def test_empty_filter_matches_anything_playable(self) -> None:
        assert MediaFilter().matches(self.item())
        assert not MediaFilter().matches(make_item(2, None))

    def test_lists_are_any_of_and_case_insensitive(self) -> None:
        assert MediaFilter(genres=("drama", "COMEDY")).matches(self.item())
        assert not MediaFilter(genres=("drama",)).matches(self.item())
        assert MediaFilter(tags=("90S",)).matches(self.item())
        assert MediaFilter(series=("friends",)).matches(self.item())
        assert not MediaFilter(series=("friends",)).matches(self.item(series_name=None))

    def test_collections_compare_exactly(self) -> None:
        assert MediaFilter(collections=("lib1", "lib2")).matches(self.item())
        assert not MediaFilter(collections=("LIB1",)).matches(self.item())

    def test_decade_means_ten_years(self) -> None:
        assert MediaFilter(decade=1990).matches(self.item(year=1990))
        assert MediaFilter(decade=1990).matches(self.item(year=1999))
        assert not MediaFilter(decade=1990).matches(self.item(year=2000))
        assert not MediaFilter(decade=1990).matches(self.item(year=None))

    def test_duration_bounds_are_inclusive(self) -> None:
        assert MediaFilter(min_duration_secs=1500, max_duration_secs=1500).matches(self.item())
        assert not MediaFilter(min_duration_secs=1501).matches(self.item())
        assert not MediaFilter(max_duration_secs=1499).matches(self.item())

    def test_content_type(self) -> None:
        assert MediaFilter(content_type=ContentType.EPISODE).matches(self.item())
        assert not MediaFilter(content_type=ContentType.MOVIE).matches(self.item())

    @pytest.mark.parametrize(("kw", "field"), [
        ({"decade": 1995}, "decade"),
        ({"min_duration_secs": -1}, "min_duration_secs"),
        ({"min_duration_secs": 10, "max_duration_secs": 5}, "min_duration_secs"),
        ({"genres": (" ",)}, "genres"),
    ])
    def test_validation_names_the_field(self, kw: dict[str, object], field: str) -> None:
        with pytest.raises(ValidationError) as exc:
            MediaFilter(**kw)  # type: ignore[arg-type]
        assert field in fields_of(exc)


class TestBlocksAndConfig:
    def test_block_rules(self) -> None:
        with pytest.raises(ValidationError) as exc:
            make_block(mins=0)
        assert fields_of(exc) == {"duration_mins"}
        with pytest.raises(ValidationError):
            make_block(mins=1441)
        with pytest.raises(ValidationError):
            make_block(name="  ")
        make_block(mins=1440)

    def test_overlap_names_both_blocks(self) -> None:
        a = make_block(time(20), 120, name="Evening")
        b = make_block(time(21), 60, name="Late")
        with pytest.raises(ValidationError) as exc:
            ScheduleConfig(blocks=(a, b))
        message = str(exc.value)
        assert "Evening" in message
        assert "Late" in message
        assert fields_of(exc) == {"blocks[1]"}

    def test_overlap_wraps_midnight(self) -> None:
        late = make_block(time(23), 120)
        early = make_block(time(0, 30), 30)
        with pytest.raises(ValidationError):
            ScheduleConfig(blocks=(late, early))
        ScheduleConfig(blocks=(late, make_block(time(1), 30)))

    def test_touching_blocks_do_not_overlap(self) -> None:
        ScheduleConfig(blocks=(make_block(time(20), 60), make_block(time(21), 60)))
        ScheduleConfig(blocks=(make_block(time(0), 1440),))

    def test_duplicate_block_ids_are_refused(self) -> None:
        bid = BlockId(uuid.uuid4())
        with pytest.raises(ValidationError) as exc:
            ScheduleConfig(blocks=(make_block(time(1), 10, block_id=bid),
                                   make_block(time(5), 10, block_id=bid)))
        assert fields_of(exc) == {"blocks[1].id"}

    def test_manual_list_bounds(self) -> None:
        with pytest.raises(ValidationError):
            ManualContent(items=())
        with pytest.raises(ValidationError):
            ManualContent(items=tuple(MediaItemId(str(i)) for i in range(1001)))


class TestRecyclePolicyAndChannel:
    def test_policy_defaults_match_the_contract(self) -> None:
        p = RecyclePolicy()
        assert (p.cooldown_days, p.cooldown_generations, p.min_available_ratio) == (7, None, 0.2)

    @pytest.mark.parametrize("kw", [{"cooldown_days": -1}, {"cooldown_generations": -1},
                                    {"min_available_ratio": 1.5},
                                    {"min_available_ratio": float("nan")}])
    def test_policy_validation(self, kw: dict[str, object]) -> None:
        with pytest.raises(ValidationError):
            RecyclePolicy(**kw)  # type: ignore[arg-type]

    @pytest.mark.parametrize("tz", ["Mars/Olympus", "../../etc/passwd", "", "/etc/localtime"])
    def test_unknown_timezone(self, tz: str) -> None:
        with pytest.raises(ValidationError) as exc:
            make_channel(tz=tz)
        assert fields_of(exc) == {"timezone"}

    @pytest.mark.parametrize("number", ["101", "101.1", "7"])
    def test_numbers(self, number: str) -> None:
        assert make_channel(number=number).number == number

    @pytest.mark.parametrize("number", ["0", "abc", "1.", "-3", "101.1234"])
    def test_bad_numbers(self, number: str) -> None:
        with pytest.raises(ValidationError):
            make_channel(number=number)


class TestEmail:
    def test_normalised(self) -> None:
        assert Email("  You@Example.COM ").value == "you@example.com"

    @pytest.mark.parametrize("bad", ["", "no-at", "a@b", "a b@c.d", "x" * 250 + "@e.com"])
    def test_invalid(self, bad: str) -> None:
        with pytest.raises(ValidationError):
            Email(bad)


def test_datetime_helpers_refuse_naive() -> None:
    from ktv_domain.engine import to_us
    with pytest.raises(ValueError, match="naive"):
        to_us(datetime(2026, 1, 1))
    assert to_us(datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)) == 1_000_000
    assert date(2026, 1, 1)
