"""The sample library's catalogue: its shows, movies and shorts, and their ``.nfo`` files.

Pure data for :mod:`.sample`, which encodes the videos. Durations are in
seconds before ``scale``; genres and tags are chosen for the demo channels'
filters (Comedy, Drama, Sci-Fi, Documentary, Animation; ``kids``,
``classic``). One show uses ``Show.Name.S01E03.mp4`` names, the others
``Show Name - S01E02 - Title.mp4``; some episodes, movies and shorts have an
``.nfo`` of their own, some only their names.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from ktv_domain import ContentType

__all__ = ["MIN_CLIP_SECS", "SHOWS", "SampleClip", "SampleJob", "SampleNfo", "catalogue",
           "scaled"]

#: No clip is shorter, whatever the scale.
MIN_CLIP_SECS = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class SampleClip:
    """One video of the sample library and the metadata a scan should find for it."""

    relative: PurePosixPath
    content_type: ContentType
    secs: float
    title: str
    series: str | None = None
    season: int | None = None
    episode: int | None = None
    year: int | None = None
    #: From the item's ``.nfo``, else the show's ``tvshow.nfo`` (empty without either).
    genres: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: Whether the clip has an ``.nfo`` of its own (then the scanned title is :attr:`title`).
    has_nfo: bool = False


@dataclass(frozen=True, slots=True)
class _Show:
    name: str
    dotted: bool
    season_folder: str  # a format with {n}
    genres: tuple[str, ...]
    tags: tuple[str, ...]
    premiered: str
    plot: str
    hue: int
    pitch: int
    seasons: tuple[tuple[tuple[str, int], ...], ...]
    with_nfo: frozenset[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class _Movie:
    title: str
    year: int
    secs: int
    genres: tuple[str, ...]
    tags: tuple[str, ...]
    nfo: str | None  # "movie" (movie.nfo), "named" (Title (1999).nfo) or None
    plot: str
    hue: int


@dataclass(frozen=True, slots=True)
class _Short:
    title: str
    secs: int
    genres: tuple[str, ...]
    tags: tuple[str, ...]
    hue: int


SHOWS = (
    _Show("The Quiet Lighthouse", False, "Season {n:02d}", ("Drama", "Mystery"), ("classic",),
          "1994-09-12", "A keeper, a logbook and a coast full of secrets.", 0, 330,
          ((("Fog Warning", 150), ("The Keeper's Log", 180), ("Low Tide", 210)),
           (("Storm Season", 165), ("Last Light", 225))),
          frozenset({(1, 1), (1, 2), (2, 1)})),
    _Show("Robot Garden", True, "Season {n}", ("Animation", "Comedy"), ("kids",),
          "2012-03-03", "Three small robots look after a very large garden.", 110, 523,
          ((("Seeds of Steel", 130), ("Rusty Rain", 140), ("The Big Bloom", 150)),
           (("Bolt the Bee", 135), ("Weed Whacker", 145))),
          frozenset({(1, 1), (1, 3), (2, 2)})),
    _Show("Orbital Kitchen", False, "Season {n:02d}", ("Sci-Fi", "Comedy"), ("cooking",),
          "2019-06-01", "A cooking show on a space station, where nothing stays on the plate.",
          230, 415,
          ((("Zero-G Pancakes", 170), ("Moon Cheese", 190)),
           (("Comet Curry", 200), ("Solar Souffle", 180), ("Asteroid Stew", 240))),
          frozenset({(2, 3)})),
)
_MOVIES = (
    _Movie("The Long Signal", 1999, 300, ("Sci-Fi", "Drama"), ("classic",), "movie",
           "A radio astronomer hears the same message every night at 3 a.m.", 40),
    _Movie("Paper Boats", 2004, 260, ("Animation", "Family"), ("kids",), "named",
           "A paper boat sails from a bathtub to the sea.", 160),
    _Movie("Deep Forest Diaries", 2016, 330, ("Documentary",), ("nature",), "movie",
           "A year in the life of an old forest, one season at a time.", 80),
    _Movie("Midnight Diner", 1987, 280, ("Comedy",), ("classic",), "named",
           "Regulars, strangers and one very tired cook, between midnight and dawn.", 300),
    _Movie("Salt Flats", 2021, 240, (), (), None, "", 200),
)
_SHORTS = (
    _Short("Station Ident", 20, (), (), 270),
    _Short("Paper Plane Cartoon", 45, ("Animation",), ("kids",), 140),
    _Short("Time-Lapse Clouds", 60, ("Documentary",), (), 190),
    _Short("Coffee Break", 30, (), (), 20),
    _Short("Night Train", 90, ("Drama",), (), 250),
)


@dataclass(frozen=True, slots=True)
class SampleJob:
    clip: SampleClip
    lines: tuple[str, ...]  # drawn from the top: small, big, small
    hue: int
    pitch: int


@dataclass(frozen=True, slots=True)
class SampleNfo:
    relative: PurePosixPath
    text: str


def scaled(secs: int, scale: float) -> float:
    return max(MIN_CLIP_SECS, round(secs * scale, 1))


def _xml(root: str, fields: Sequence[tuple[str, str | int]]) -> str:
    el = ET.Element(root)
    for tag, value in fields:
        ET.SubElement(el, tag).text = str(value)
    ET.indent(el)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            + ET.tostring(el, encoding="unicode") + "\n")


def catalogue(scale: float) -> tuple[list[SampleJob], list[SampleNfo]]:
    jobs: list[SampleJob] = []
    nfos: list[SampleNfo] = []
    for show in SHOWS:
        year = int(show.premiered[:4])
        nfos.append(SampleNfo(PurePosixPath(show.name, "tvshow.nfo"), _xml("tvshow", [
            ("title", show.name), ("plot", show.plot),
            *(("genre", g) for g in show.genres), *(("tag", t) for t in show.tags),
            ("premiered", show.premiered), ("year", year)])))
        for s, episodes in enumerate(show.seasons, start=1):
            folder = PurePosixPath(show.name, show.season_folder.format(n=s))
            for e, (title, secs) in enumerate(episodes, start=1):
                code = f"S{s:02d}E{e:02d}"
                stem = (f"{show.name.replace(' ', '.')}.{code}" if show.dotted
                        else f"{show.name} - {code} - {title}")
                nfo = (s, e) in show.with_nfo
                clip = SampleClip(relative=folder / f"{stem}.mp4",
                                  content_type=ContentType.EPISODE, secs=scaled(secs, scale),
                                  title=title, series=show.name, season=s, episode=e,
                                  genres=show.genres, tags=show.tags, has_nfo=nfo)
                jobs.append(SampleJob(clip, (show.name, title, code), show.hue,
                                      show.pitch + 20 * e))
                if nfo:
                    nfos.append(SampleNfo(folder / f"{stem}.nfo", _xml("episodedetails", [
                        ("title", title), ("showtitle", show.name), ("season", s),
                        ("episode", e), ("plot", f"{show.name}, season {s}: {title}.")])))
    for movie in _MOVIES:
        name = f"{movie.title} ({movie.year})"
        folder = PurePosixPath("Movies", name)
        clip = SampleClip(relative=folder / f"{name}.mp4", content_type=ContentType.MOVIE,
                          secs=scaled(movie.secs, scale), title=movie.title, year=movie.year,
                          genres=movie.genres if movie.nfo else (),
                          tags=movie.tags if movie.nfo else (), has_nfo=movie.nfo is not None)
        jobs.append(SampleJob(clip, ("Movie", movie.title, str(movie.year)), movie.hue, 262))
        if movie.nfo is not None:
            nfos.append(SampleNfo(folder / ("movie.nfo" if movie.nfo == "movie" else f"{name}.nfo"),
                             _xml("movie", [
                                 ("title", movie.title), ("year", movie.year),
                                 ("plot", movie.plot), *(("genre", g) for g in movie.genres),
                                 *(("tag", t) for t in movie.tags)])))
    for short in _SHORTS:
        has_nfo = bool(short.genres or short.tags)
        clip = SampleClip(relative=PurePosixPath("Shorts", f"{short.title}.mp4"),
                          content_type=ContentType.SHORT, secs=scaled(short.secs, scale),
                          title=short.title, genres=short.genres, tags=short.tags,
                          has_nfo=has_nfo)
        jobs.append(SampleJob(clip, ("Short", short.title, ""), short.hue, 880))
        if has_nfo:
            nfos.append(SampleNfo(clip.relative.with_suffix(".nfo"), _xml("movie", [
                ("title", short.title), *(("genre", g) for g in short.genres),
                *(("tag", t) for t in short.tags)])))
    return jobs, nfos
