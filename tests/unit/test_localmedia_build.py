"""Content types, stable ids, collections, and the precedence of build_item."""

from __future__ import annotations

from datetime import date
from pathlib import Path, PurePosixPath

import pytest

from ktv_domain import ContentType
from ktv_localmedia import (
    SHORT_MAX_SECS,
    NfoData,
    NfoKind,
    ProbeResult,
    build_item,
    classify,
    collection_id,
    collections_for,
    item_id,
)

MEDIA = Path("/media/tv")


def _probe(secs: float | None = 1800.0) -> ProbeResult:
    return ProbeResult(duration_secs=secs, video_codec="h264", audio_codec="aac",
                       width=160, height=90, container="matroska,webm")


@pytest.mark.parametrize(("path", "season", "episode", "secs", "expected"), [
    ("Show/S01E01.mkv", 1, 1, 60.0, ContentType.EPISODE),
    ("shorts/Show S01E01.mkv", 1, 1, 60.0, ContentType.EPISODE),
    ("Movies/Shorts/a.mkv", None, None, 7200.0, ContentType.SHORT),
    ("SHORTS/deep/er/a.mkv", None, None, None, ContentType.SHORT),
    ("a.mkv", None, None, SHORT_MAX_SECS - 1, ContentType.SHORT),
    ("a.mkv", None, None, SHORT_MAX_SECS, ContentType.MOVIE),
    ("a.mkv", None, None, None, ContentType.MOVIE),
    ("a.mkv", 1, None, 7200.0, ContentType.MOVIE),
    ("shorts.mkv", None, None, 7200.0, ContentType.MOVIE),
])
def test_classify(path: str, season: int | None, episode: int | None, secs: float | None,
                  expected: ContentType) -> None:
    got = classify(season=season, episode=episode, duration_secs=secs,
                   relative=PurePosixPath(path))
    assert got is expected


def test_ids_are_stable_and_depend_on_dir_and_path() -> None:
    rel = PurePosixPath("Show/a.mkv")
    first = item_id(MEDIA, rel)
    assert len(first) == 32
    assert int(first, 16) >= 0
    assert item_id(Path("/media/tv"), PurePosixPath("Show/a.mkv")) == first
    assert item_id(MEDIA, PurePosixPath("Show/b.mkv")) != first
    assert item_id(Path("/media/other"), rel) != first
    assert item_id(MEDIA, PurePosixPath("Sh\udcffow/a.mkv"))  # undecodable names hash too


def test_collections_are_the_media_dir_and_the_top_level_folder() -> None:
    nested = collections_for(MEDIA, PurePosixPath("Show/Season 1/a.mkv"))
    assert [c.name for c in nested] == ["tv", "Show"]
    assert [c.id for c in nested] == [collection_id(MEDIA), collection_id(MEDIA / "Show")]
    assert nested[0].id.startswith("local-")
    assert [c.name for c in collections_for(MEDIA, PurePosixPath("a.mkv"))] == ["tv"]


def test_names_only() -> None:
    rel = PurePosixPath("The Show/Season 01/The Show - S01E02 - Title.mkv")
    item = build_item(MEDIA, rel, _probe())
    assert (item.title, item.series_name, item.season_number, item.episode_number) == (
        "Title", "The Show", 1, 2)
    assert item.content_type is ContentType.EPISODE
    assert item.duration_secs == 1800.0
    assert item.id == item_id(MEDIA, rel)
    assert item.collections == tuple(c.id for c in collections_for(MEDIA, rel))


def test_nfo_wins_over_names_and_tvshow_fills_series_and_genres() -> None:
    rel = PurePosixPath("show/Season 1/show.s01e02.mkv")
    nfo = NfoData(kind=NfoKind.EPISODE, title="Real Title", plot="Plot.", season=1, episode=3,
                  premiered=date(2005, 9, 13), year=2005)
    show = NfoData(kind=NfoKind.TVSHOW, title="The Real Show", genres=("Sci-Fi",), tags=("hd",))
    item = build_item(MEDIA, rel, _probe(), nfo, show)
    assert (item.title, item.series_name, item.season_number, item.episode_number) == (
        "Real Title", "The Real Show", 1, 3)
    assert (item.overview, item.year, item.premiere_date) == ("Plot.", 2005, date(2005, 9, 13))
    assert (item.genres, item.tags) == (("Sci-Fi",), ("hd",))
    with_showtitle = build_item(MEDIA, rel, _probe(), NfoData(kind=NfoKind.EPISODE,
                                                               showtitle="Own"), show)
    assert with_showtitle.series_name == "Own"
    assert with_showtitle.title == "show s01e02"  # no episode title anywhere: the clean stem


def test_movie_nfo_makes_a_movie() -> None:
    rel = PurePosixPath("Show - S01E02.mkv")
    nfo = NfoData(kind=NfoKind.MOVIE, title="A Film", genres=("Drama",))
    item = build_item(MEDIA, rel, _probe(5400.0), nfo)
    assert (item.content_type, item.title, item.season_number, item.series_name) == (
        ContentType.MOVIE, "A Film", None, None)
    assert item.genres == ("Drama",)


def test_movie_from_names_and_short_by_duration() -> None:
    item = build_item(MEDIA, PurePosixPath("Movie (1999)/Movie (1999).mp4"), _probe(5400.0))
    assert (item.title, item.year, item.content_type) == ("Movie", 1999, ContentType.MOVIE)
    short = build_item(MEDIA, PurePosixPath("clip.mkv"), _probe(30.0))
    assert (short.title, short.content_type) == ("clip", ContentType.SHORT)
    unknown = build_item(MEDIA, PurePosixPath("clip.mkv"), None)
    assert (unknown.duration_secs, unknown.content_type) == (None, ContentType.MOVIE)


def test_tvshow_nfo_passed_as_item_nfo_is_treated_as_the_show() -> None:
    show = NfoData(kind=NfoKind.TVSHOW, title="The Show")
    item = build_item(MEDIA, PurePosixPath("x/S01E01.mkv"), _probe(), show)
    assert item.series_name == "The Show"
    assert item.title == "S01E01"
