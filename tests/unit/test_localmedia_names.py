"""File and folder names -> series, season, episode, titles, year."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from ktv_localmedia import ParsedName, clean_name, parse_file_name, parse_path, parse_season_folder


def _ep(series: str | None, season: int, episode: int, title: str | None = None) -> ParsedName:
    return ParsedName(series=series, season=season, episode=episode, episode_title=title)


def _movie(title: str | None, year: int | None = None) -> ParsedName:
    return ParsedName(title=title, year=year)


PATHS = [
    ("Show/Season 01/Show - S01E02 - Title.mkv", _ep("Show", 1, 2, "Title")),
    ("Show.S01E02.mkv", _ep("Show", 1, 2)),
    ("Movie (1999)/Movie (1999).mp4", _movie("Movie", 1999)),
    ("Show - S01E02.mkv", _ep("Show", 1, 2)),
    ("the.show.s01e02.mkv", _ep("the show", 1, 2)),
    ("The.Show.S03E14.Episode.Name.720p.WEB-DL.x264.mkv", _ep("The Show", 3, 14, "Episode Name")),
    ("The_Show_S01E02_Pilot.mkv", _ep("The Show", 1, 2, "Pilot")),
    ("Show - 1x02 - Pilot.avi", _ep("Show", 1, 2, "Pilot")),
    ("Show 10x101.mkv", _ep("Show", 10, 101)),
    ("Show - S01E02E03 - Double.mkv", _ep("Show", 1, 2, "Double")),
    ("Show - S01E02-E03.mkv", _ep("Show", 1, 2)),
    ("Mr. Robot - S01E02 - eps1.1.mkv", _ep("Mr. Robot", 1, 2, "eps1.1")),
    ("Show (2005) - S02E01.mkv", _ep("Show", 2, 1)),
    # Series and season from the folders.
    ("The Show/Season 2/S02E05.mkv", _ep("The Show", 2, 5)),
    ("The Show (2005)/Season 1/02 - Second.mkv", _ep("The Show", 1, 2, "Second")),
    ("The Show/S03/E04.mkv", _ep("The Show", 3, 4)),
    ("The Show/Season 1/Episode 7.mkv", _ep("The Show", 1, 7)),
    ("The Show/Specials/01 - Christmas.mkv", _ep("The Show", 0, 1, "Christmas")),
    ("The Show/Season 1/Making of.mkv",
     ParsedName(series="The Show", season=1, title="Making of")),
    # The file name wins over the folders.
    ("Old Name/Season 1/New Name - S04E01.mkv", _ep("New Name", 4, 1)),
    # Movies.
    ("Movie.1999.1080p.BluRay.mkv", _movie("Movie", 1999)),
    ("Movie [2004].mkv", _movie("Movie", 2004)),
    ("2001 A Space Odyssey (1968).mkv", _movie("2001 A Space Odyssey", 1968)),
    ("Blade Runner 2049 (2017).mkv", _movie("Blade Runner 2049", 2017)),
    ("1917.mkv", _movie("1917")),
    ("Movies/Heat (1995)/heat.mkv", _movie("heat", 1995)),
    ("Movies/Heat/heat.mkv", _movie("heat")),
    ("Shorts/Tiny Film.webm", _movie("Tiny Film")),
    ("Resolution 1920x1080.mkv", _movie("Resolution 1920x1080")),
]


@pytest.mark.parametrize(("path", "expected"), PATHS, ids=[p for p, _ in PATHS])
def test_parse_path(path: str, expected: ParsedName) -> None:
    assert parse_path(PurePosixPath(path)) == expected


@pytest.mark.parametrize(("name", "season"), [
    ("Season 1", 1), ("Season 01", 1), ("season 12", 12), ("S01", 1), ("s2", 2),
    ("Series 3", 3), ("Season.4", 4), ("Specials", 0), ("special", 0),
    ("Seasoning", None), ("The Show", None), ("Season", None),
])
def test_parse_season_folder(name: str, season: int | None) -> None:
    assert parse_season_folder(name) == season


@pytest.mark.parametrize(("text", "cleaned"), [
    ("The.Show.Name", "The Show Name"),
    ("the_show_name", "the show name"),
    ("Mr. Robot", "Mr. Robot"),
    ("  Show -  ", "Show"),
    ("Movie ()", "Movie"),
    ("caf\udcc3", "caf\ufffd"),  # an undecodable byte of a file name
])
def test_clean_name(text: str, cleaned: str) -> None:
    assert clean_name(text) == cleaned


def test_empty_name_says_nothing() -> None:
    assert parse_file_name("") == ParsedName()
