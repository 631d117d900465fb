"""One video file to one :class:`~ktv_domain.MediaItem`.

Precedence, field by field: the item's ``.nfo`` > the show's ``tvshow.nfo``
(series name, genres, tags) > the file name > the folder names. A movie
``.nfo`` (``<movie>``) makes the file a movie whatever its name says. The
title falls back to the cleaned file stem.

:func:`scan_file` does the blocking work for one file (probe, read the
``.nfo`` files); run it in a worker thread. It never raises for a bad file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePath

from ktv_domain import ContentType, MediaItem

from .classify import SHORT_MAX_SECS, classify, collections_for, item_id
from .errors import ProbeFailed
from .names import clean_name, display_name, parse_path
from .nfo import NfoData, NfoKind, find_nfo, read_nfo
from .probe import ProbeResult, probe
from .walk import VideoFile

__all__ = ["ScanOutcome", "build_item", "scan_file"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanOutcome:
    """The item built for a file (None when it was skipped) and what went wrong."""

    file: VideoFile
    item: MediaItem | None
    probe: ProbeResult | None
    warnings: tuple[str, ...] = ()


def build_item(media_dir: Path, relative: PurePath, probe_result: ProbeResult | None,
               nfo: NfoData | None = None, show_nfo: NfoData | None = None, *,
               short_max_secs: float = SHORT_MAX_SECS) -> MediaItem:
    """Combine the probe, the ``.nfo`` data and the names into an item (pure)."""
    if nfo is not None and nfo.kind is NfoKind.TVSHOW:
        show_nfo, nfo = show_nfo or nfo, None
    if show_nfo is not None and show_nfo.kind is not NfoKind.TVSHOW:
        show_nfo = None
    parsed = parse_path(relative)
    is_movie_nfo = nfo is not None and nfo.kind is NfoKind.MOVIE

    season = episode = None
    series = None
    if not is_movie_nfo:
        season = nfo.season if nfo and nfo.season is not None else parsed.season
        episode = nfo.episode if nfo and nfo.episode is not None else parsed.episode
        series = ((nfo.showtitle if nfo else None) or (show_nfo.title if show_nfo else None)
                  or parsed.series)
    is_episode = season is not None and episode is not None
    name_title = (parsed.episode_title if is_episode else None) or parsed.title
    title = ((nfo.title if nfo else None) or name_title or clean_name(relative.stem)
             or display_name(relative.name))
    duration = probe_result.duration_secs if probe_result is not None else None
    content_type: ContentType = classify(season=season, episode=episode, duration_secs=duration,
                                         relative=relative, short_max_secs=short_max_secs,
                                         movie_nfo=is_movie_nfo)
    return MediaItem(
        id=item_id(media_dir, relative),
        title=title,
        content_type=content_type,
        duration_secs=duration,
        series_name=series,
        season_number=season,
        episode_number=episode,
        year=(nfo.year if nfo else None) or (None if is_movie_nfo else parsed.year),
        premiere_date=nfo.premiered if nfo else None,
        genres=(nfo.genres if nfo else ()) or (show_nfo.genres if show_nfo else ()),
        tags=(nfo.tags if nfo else ()) or (show_nfo.tags if show_nfo else ()),
        collections=tuple(c.id for c in collections_for(media_dir, relative)),
        overview=nfo.plot if nfo else None,
    )


def scan_file(file: VideoFile, *, short_max_secs: float = SHORT_MAX_SECS) -> ScanOutcome:
    """Probe ``file``, read its ``.nfo`` files and build its item (blocking; never raises).

    An unreadable or corrupt video is skipped (``item`` is None); a bad
    ``.nfo`` is ignored with a warning and the names are used instead.
    """
    try:
        result = probe(file.path)
    except ProbeFailed as exc:
        return ScanOutcome(file=file, item=None, probe=None, warnings=(str(exc),))
    warnings: list[str] = []
    nfo_paths = find_nfo(file.path, file.media_dir)
    loaded: list[NfoData | None] = []
    for path in nfo_paths:
        data, warning = read_nfo(path) if path is not None else (None, None)
        if warning is not None:
            warnings.append(warning)
        loaded.append(data)
    item_nfo, show_nfo = loaded
    if item_nfo is not None and item_nfo.kind is NfoKind.MOVIE and nfo_paths.item is not None \
            and nfo_paths.item.name == "movie.nfo" and parse_path(file.relative).season is not None:
        item_nfo = None  # a folder's movie.nfo does not describe the episodes beside it
    item = build_item(file.media_dir, file.relative, result, item_nfo, show_nfo,
                      short_max_secs=short_max_secs)
    return ScanOutcome(file=file, item=item, probe=result, warnings=tuple(warnings))
