"""Content types, collections and stable ids of local media files.

Content type rule (first match wins):

1. ``episode`` when both a season and an episode number are known;
2. ``short`` when the file sits in a folder named ``shorts`` (any case, at any
   depth below the media folder);
3. ``movie`` when a ``<movie>`` ``.nfo`` describes the file (explicit metadata
   beats the duration heuristic);
4. ``short`` when its duration is known and under :data:`SHORT_MAX_SECS` (10 minutes);
5. ``movie`` otherwise (including unknown durations).

Ids are hashes, so they are stable across rescans and restarts without any
stored counter; they change when a file (or the media folder) moves:

- an item id is 32 hex digits of SHA-256 over the media folder's resolved path
  and the file's media-folder-relative path (the path as walked, so a symlink
  inside the folder has its own id);
- a collection id is ``local-`` and 16 hex digits of SHA-256 over the
  folder's resolved path. Each item belongs to its media folder's collection
  and, when nested, to the collection of its top-level subfolder.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePath

from ktv_domain import ContentType, MediaItemId

from .names import display_name

__all__ = ["SHORTS_FOLDER_NAMES", "SHORT_MAX_SECS", "Collection", "classify", "collection_id",
           "collections_for", "item_id"]

#: Items (not episodes) shorter than this are shorts: 10 minutes.
SHORT_MAX_SECS = 600.0
#: Folder names (compared case-insensitively) whose files are all shorts.
SHORTS_FOLDER_NAMES = frozenset({"shorts"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Collection:
    """A folder as a collection: its stable id and a human name."""

    id: str
    name: str


def classify(*, season: int | None, episode: int | None, duration_secs: float | None,
             relative: PurePath, short_max_secs: float = SHORT_MAX_SECS,
             movie_nfo: bool = False) -> ContentType:
    """The content type of the file at ``relative`` (see the module docstring)."""
    if season is not None and episode is not None:
        return ContentType.EPISODE
    if any(part.casefold() in SHORTS_FOLDER_NAMES for part in relative.parts[:-1]):
        return ContentType.SHORT
    if movie_nfo:
        return ContentType.MOVIE
    if duration_secs is not None and duration_secs < short_max_secs:
        return ContentType.SHORT
    return ContentType.MOVIE


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(os.fsencode(part))
        h.update(b"\0")
    return h.hexdigest()


def item_id(media_dir: Path, relative: PurePath) -> MediaItemId:
    """The stable id of the file at ``relative`` under the resolved ``media_dir``."""
    return MediaItemId(_digest("item", str(media_dir), relative.as_posix())[:32])


def collection_id(folder: Path) -> str:
    """The stable id of a folder's collection (``folder`` already resolved)."""
    return "local-" + _digest("collection", str(folder))[:16]


def collections_for(media_dir: Path, relative: PurePath) -> tuple[Collection, ...]:
    """The media folder's collection, then the top-level subfolder's when nested."""
    found = [Collection(id=collection_id(media_dir), name=display_name(media_dir.name or "/"))]
    if len(relative.parts) > 1:
        top = relative.parts[0]
        found.append(Collection(id=collection_id(media_dir / top), name=display_name(top)))
    return tuple(found)
