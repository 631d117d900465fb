"""Kodi/Jellyfin ``.nfo`` metadata files: ``<movie>``, ``<episodedetails>``, ``<tvshow>``.

Parsing never raises: a file that is too big, declares a DTD or entities
(billion-laughs style bombs; external entities), is not XML, or has another
root element gives ``(None, reason)``. Stdlib ElementTree never fetches
external entities; refusing any ``<!DOCTYPE``/``<!ENTITY`` before parsing also
rules out entity expansion bombs, so no extra dependency is needed.

Tolerated quirks of real-world files: a URL or other text after the root
element (Kodi "nfo + URL" files) and several ``<episodedetails>`` in one file
(multi-episode files; the first one is used).

Where the files are (see :func:`find_nfo`): ``<video stem>.nfo`` next to the
video, else ``movie.nfo`` in the video's folder; ``tvshow.nfo`` in the video's
folder or one of its two parents (``Show/tvshow.nfo`` for
``Show/Season 1/ep.mkv``), never above the media folder.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

__all__ = ["MAX_NFO_BYTES", "NfoData", "NfoFiles", "NfoKind", "NfoResult", "find_nfo",
           "parse_nfo", "read_nfo"]

#: Bigger ``.nfo`` files are refused unread.
MAX_NFO_BYTES = 1024 * 1024
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)
_YEAR = re.compile(r"\d{4}")


class NfoKind(StrEnum):
    MOVIE = "movie"
    EPISODE = "episodedetails"
    TVSHOW = "tvshow"


@dataclass(frozen=True, slots=True, kw_only=True)
class NfoData:
    """What an ``.nfo`` file says; None or empty where it says nothing."""

    kind: NfoKind
    title: str | None = None
    plot: str | None = None
    genres: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    year: int | None = None
    premiered: date | None = None
    showtitle: str | None = None
    season: int | None = None
    episode: int | None = None


class NfoResult(NamedTuple):
    """Either ``data`` or a ``warning`` saying why the file was ignored."""

    data: NfoData | None
    warning: str | None


class NfoFiles(NamedTuple):
    """The ``.nfo`` files that describe one video (None when absent)."""

    item: Path | None
    tvshow: Path | None


def _text(root: ET.Element, tag: str) -> str | None:
    el = root.find(tag)
    text = (el.text or "").strip() if el is not None else ""
    return text or None


def _texts(root: ET.Element, tag: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for el in root.findall(tag):
        text = (el.text or "").strip()
        if text and text.casefold() not in {s.casefold() for s in seen}:
            seen[text] = None
    return tuple(seen)


def _int(root: ET.Element, tag: str, *, low: int, high: int) -> int | None:
    text = _text(root, tag)
    try:
        value = int(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and low <= value <= high else None


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _cut_after_root(data: bytes) -> bytes:
    """Drop whatever follows the first closing root tag (URLs, more episodes)."""
    for kind in NfoKind:
        end = data.find(f"</{kind.value}>".encode())
        if end >= 0:
            return data[: end + len(kind.value) + 3]
    return data


def parse_nfo(data: bytes) -> NfoResult:
    """Parse the bytes of an ``.nfo`` file (never raises)."""
    if len(data) > MAX_NFO_BYTES:
        return NfoResult(None, f"larger than {MAX_NFO_BYTES} bytes")
    if _DTD.search(data):
        return NfoResult(None, "declares a DTD or entities (refused)")
    try:
        root = ET.fromstring(_cut_after_root(data))
    except (ET.ParseError, ValueError, LookupError) as exc:  # LookupError: unknown encoding
        return NfoResult(None, f"not valid XML ({exc})")
    try:
        kind = NfoKind(root.tag)
    except ValueError:
        return NfoResult(None, f"unsupported root element <{root.tag}>")
    premiered = _date(_text(root, "premiered")) or _date(_text(root, "aired"))
    year = _int(root, "year", low=1800, high=2200)
    if year is None and premiered is not None:
        year = premiered.year
    return NfoResult(NfoData(
        kind=kind,
        title=_text(root, "title"),
        plot=_text(root, "plot") or _text(root, "outline"),
        genres=_texts(root, "genre"),
        tags=_texts(root, "tag"),
        year=year,
        premiered=premiered,
        showtitle=_text(root, "showtitle"),
        season=_int(root, "season", low=0, high=9999),
        episode=_int(root, "episode", low=0, high=99999),
    ), None)


def read_nfo(path: Path) -> NfoResult:
    """Read and parse an ``.nfo`` file (never raises; refuses big files unread)."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_NFO_BYTES + 1)
    except OSError as exc:
        return NfoResult(None, f"{path}: unreadable ({exc.strerror or exc})")
    result = parse_nfo(data)
    return result if result.warning is None else NfoResult(None, f"{path}: {result.warning}")


def _safe_file(path: Path, media_dir: Path) -> bool:
    try:
        return path.is_file() and path.resolve(strict=True).is_relative_to(media_dir)
    except (OSError, RuntimeError):
        return False


def find_nfo(video: Path, media_dir: Path) -> NfoFiles:
    """Locate the ``.nfo`` files for ``video`` (a path under the resolved ``media_dir``).

    Only regular files that resolve inside ``media_dir`` count.
    """
    folder = video.parent
    item = next((p for p in (video.with_suffix(".nfo"), folder / "movie.nfo")
                 if _safe_file(p, media_dir)), None)
    tvshow = None
    for _ in range(3):
        if not folder.is_relative_to(media_dir):
            break
        if _safe_file(folder / "tvshow.nfo", media_dir):
            tvshow = folder / "tvshow.nfo"
            break
        if folder == media_dir:
            break
        folder = folder.parent
    return NfoFiles(item, tvshow)
