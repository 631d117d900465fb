"""Jellyfin items to domain items, and MediaFilters to ``/Items`` queries.

Content types (Jellyfin has no "short" kind; see protocols.md §1.3):

* ``Episode`` -> ``ContentType.EPISODE``;
* ``Movie`` and ``Video`` (generic videos of home-video / mixed / folder
  libraries) -> ``ContentType.SHORT`` when they run at most ``short_max_secs``
  (default 40 minutes, the Academy's definition of a short film), otherwise
  ``ContentType.MOVIE``.

Dropped (never handed to the engine): virtual items (missing-episode
placeholders, ``LocationType: Virtual``), items without ``RunTimeTicks`` (not
yet probed), folders and every other kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from ktv_domain import ContentType, MediaFilter, MediaItem, MediaItemId

from .client import Params
from .wire import ItemDto

__all__ = [
    "CATALOG_FIELDS",
    "DEFAULT_SHORT_MAX_SECS",
    "VIDEO_KINDS",
    "filter_queries",
    "normalize_id",
    "to_media_item",
]

TICKS_PER_SEC = 10_000_000
DEFAULT_SHORT_MAX_SECS = 40 * 60
VIDEO_KINDS = ("Movie", "Episode", "Video")
#: ItemFields the mapping needs (everything else it reads is always returned).
CATALOG_FIELDS = "Genres,Tags,Overview,ParentId"
_HEX32 = re.compile(r"[0-9a-f]{32}")


def normalize_id(raw: str) -> str | None:
    """A Jellyfin Guid in "N" form (32 lowercase hex), or None when ``raw`` is not one.

    Matters: the server silently drops unparsable ``ids`` entries, and an empty
    ``ids`` filter means *every* item.
    """
    s = raw.strip().lower().replace("-", "")
    return s if _HEX32.fullmatch(s) else None


def content_type_of(kind: str | None, secs: float, short_max_secs: float) -> ContentType | None:
    if kind == "Episode":
        return ContentType.EPISODE
    if kind in ("Movie", "Video"):
        return ContentType.SHORT if secs <= short_max_secs else ContentType.MOVIE
    return None


def _premiere(raw: str | None) -> date | None:
    if not raw or len(raw) < 10:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def image_url(base_url: str, dto: ItemDto) -> str | None:
    """An anonymous image URL (no key): the item's Primary image, else its series'."""
    if dto.image_tags and dto.image_tags.get("Primary"):
        return f"{base_url}/Items/{dto.id}/Images/Primary"
    if dto.series_id and dto.series_primary_image_tag:
        return f"{base_url}/Items/{dto.series_id}/Images/Primary"
    return None


def to_media_item(dto: ItemDto, *, base_url: str, collections: Iterable[str] = (),
                  short_max_secs: float = DEFAULT_SHORT_MAX_SECS) -> MediaItem | None:
    """The domain item, or None when the item cannot air (see the module docstring)."""
    if dto.location_type == "Virtual" or dto.is_folder or dto.type not in VIDEO_KINDS:
        return None
    item_id = normalize_id(dto.id)
    if item_id is None or dto.run_time_ticks is None or dto.run_time_ticks <= 0:
        return None
    secs = dto.run_time_ticks / TICKS_PER_SEC
    premiere = _premiere(dto.premiere_date)
    return MediaItem(
        id=MediaItemId(item_id),
        title=dto.name or item_id,
        content_type=content_type_of(dto.type, secs, short_max_secs),
        duration_secs=secs,
        series_name=dto.series_name if dto.type == "Episode" else None,
        season_number=dto.parent_index_number if dto.type == "Episode" else None,
        episode_number=dto.index_number if dto.type == "Episode" else None,
        year=dto.production_year or (premiere.year if premiere else None),
        premiere_date=premiere,
        genres=tuple(dto.genres or ()),
        tags=tuple(dto.tags or ()),
        collections=tuple(dict.fromkeys(collections)),
        overview=dto.overview,
        image_url=image_url(base_url, dto),
    )


def base_params(user_id: str | None) -> Params:
    """What every item query sends."""
    params: Params = [("recursive", "true"), ("excludeLocationTypes", "Virtual"),
                      ("fields", CATALOG_FIELDS), ("enableImageTypes", "Primary"),
                      ("imageTypeLimit", "1"), ("enableUserData", "false")]
    if user_id:
        params.insert(0, ("userId", user_id))
    return params


def filter_queries(media_filter: MediaFilter, user_id: str | None = None) -> list[Params]:
    """Server-side ``/Items`` queries whose union holds every match of ``media_filter``.

    One query per collection (``parentId`` takes a single id), none otherwise.
    Genres and tags are pipe-joined, years and item types comma-joined (the
    server's binders, protocols.md §1.0). Durations, series names and the
    movie/short split have no server parameter: callers finish with
    ``media_filter.matches``.
    """
    params = base_params(user_id)
    kinds = {None: VIDEO_KINDS, ContentType.EPISODE: ("Episode",)}.get(
        media_filter.content_type, ("Movie", "Video"))
    params.append(("includeItemTypes", ",".join(kinds)))
    if media_filter.genres:
        params.append(("genres", "|".join(media_filter.genres)))
    if media_filter.tags:
        params.append(("tags", "|".join(media_filter.tags)))
    if media_filter.decade is not None:
        years = range(media_filter.decade, media_filter.decade + 10)
        params.append(("years", ",".join(str(y) for y in years)))
    params.append(("sortBy", "SortName,ProductionYear,DateCreated"))
    if not media_filter.collections:
        return [params]
    return [[*params, ("parentId", c)] for c in media_filter.collections]
