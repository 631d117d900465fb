"""Metadata from file and folder names (the Kodi/Jellyfin naming conventions).

Recognised shapes (separators may be spaces, dots, underscores or dashes)::

    Show/Season 01/Show - S01E02 - Title.mkv   series, season, episode, episode title
    Show/Season 01/02 - Title.mkv               episode from the stem, season from the folder
    Show.S01E02.Title.720p.mkv, show s1e2.mkv   ``SxxEyy`` in any case; release junk is cut
    Show - 1x02 - Title.mkv                     ``NxMM``
    Movie (1999)/Movie (1999).mp4               title and year
    Movie [1999].mkv, Movie.1999.1080p.mkv      title and year

Season folders: ``Season 1``, ``Season 01``, ``S01``, ``Series 2``, ``Specials`` (season 0).
Everything here is pure string work on names: no file system access.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

__all__ = ["ParsedName", "clean_name", "display_name", "parse_file_name", "parse_path",
           "parse_season_folder"]

_SXXEYY = re.compile(
    r"(?<![A-Za-z0-9])s(\d{1,4})[ ._-]*e(\d{1,4})(?:[ ._-]*(?:e|-)\d{1,4})*(?![0-9])", re.I)
_NXMM = re.compile(r"(?<![A-Za-z0-9])(\d{1,2})x(\d{2,3})(?![0-9])", re.I)
_YEAR = re.compile(r"(?<![0-9A-Za-z])(19\d\d|20\d\d)(?![0-9A-Za-z])")
_JUNK = re.compile(
    r"(?<![A-Za-z0-9])(?:2160p|1080p|1080i|720p|576p|480p|4k|uhd|hdr10|hdr|x264|x265|h\.?264|"
    r"h\.?265|hevc|xvid|divx|bluray|blu-ray|bdrip|brrip|dvdrip|webrip|web-dl|hdtv|remux|"
    r"proper|repack|10bit)(?![A-Za-z0-9])", re.I)
_SEASON_FOLDER = re.compile(r"(?:season|series|saison|staffel|s)[ ._-]*(\d{1,4})", re.I)
_SPECIALS = re.compile(r"specials?", re.I)
_EPISODE_STEM = re.compile(r"(?:ep(?:isode)?|e)?[ ._-]*(\d{1,3})(?:[ ._-]+(.*))?", re.I)
_SPACES = re.compile(r"\s+")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
_EDGE = " .-_[("


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedName:
    """What a name says; None where it says nothing."""

    series: str | None = None
    season: int | None = None
    episode: int | None = None
    episode_title: str | None = None
    #: The movie title (for names without season/episode).
    title: str | None = None
    year: int | None = None


def display_name(text: str) -> str:
    """A file name as valid Unicode: undecodable bytes (``surrogateescape``) become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def clean_name(text: str) -> str:
    """``The.Show_Name`` -> ``The Show Name``: separators to spaces, edges trimmed.

    Dots become spaces only when the name has no spaces (``Mr. Robot`` keeps its dot).
    """
    text = display_name(text).replace("_", " ")
    if " " not in text.strip():
        text = text.replace(".", " ")
    text = _EMPTY_BRACKETS.sub(" ", text)
    return _SPACES.sub(" ", text).strip(_EDGE + ")]").strip()


def _cut_junk(text: str) -> str:
    m = _JUNK.search(text)
    return text[: m.start()] if m else text


def _or_none(text: str) -> str | None:
    return text or None


def _title_and_year(text: str) -> tuple[str | None, int | None]:
    """``Movie (1999)`` / ``Movie.1999.1080p`` -> (``Movie``, 1999); a leading year is a title."""
    text = _cut_junk(text)
    years = [m for m in _YEAR.finditer(text) if clean_name(text[: m.start()])]
    if not years:
        return _or_none(clean_name(text)), None
    m = years[-1]
    return _or_none(clean_name(text[: m.start()])), int(m.group(1))


def parse_file_name(stem: str) -> ParsedName:
    """Parse a file name without its extension (a full name works when it has no dots)."""
    m = _SXXEYY.search(stem) or _NXMM.search(stem)
    if m is None:
        title, year = _title_and_year(stem)
        return ParsedName(title=title, year=year)
    series, _ = _title_and_year(stem[: m.start()])
    return ParsedName(series=series, season=int(m.group(1)), episode=int(m.group(2)),
                      episode_title=_or_none(clean_name(_cut_junk(stem[m.end():]))))


def parse_season_folder(name: str) -> int | None:
    """``Season 1``/``S01``/``Series 2`` -> the number; ``Specials`` -> 0; else None."""
    name = name.strip()
    if _SPECIALS.fullmatch(name):
        return 0
    m = _SEASON_FOLDER.fullmatch(name)
    return int(m.group(1)) if m else None


def parse_path(relative: PurePath) -> ParsedName:
    """Parse a media-dir-relative path: the file name first, then its folders.

    The file name wins over the folders; folders fill what the name leaves out
    (series from the show folder, season from a season folder, a movie's year
    from its ``Movie (1999)`` folder).
    """
    parsed = parse_file_name(relative.stem)
    folders = relative.parts[:-1]
    season_dir = parse_season_folder(folders[-1]) if folders else None
    show_folders = folders[:-1] if season_dir is not None else folders
    folder_series = _title_and_year(show_folders[-1])[0] if show_folders else None

    if parsed.season is not None:
        return ParsedName(series=parsed.series or folder_series, season=parsed.season,
                          episode=parsed.episode, episode_title=parsed.episode_title)
    if season_dir is not None:
        m = _EPISODE_STEM.fullmatch(relative.stem.strip())
        if m:
            rest = m.group(2)
            return ParsedName(series=folder_series, season=season_dir, episode=int(m.group(1)),
                              episode_title=_or_none(clean_name(_cut_junk(rest))) if rest else None)
        return ParsedName(series=folder_series, season=season_dir, title=parsed.title,
                          year=parsed.year)
    year = parsed.year
    if year is None and folders:
        year = _title_and_year(folders[-1])[1]
    return ParsedName(title=parsed.title, year=year)
