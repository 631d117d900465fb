"""The library behind the fake Jellyfin server: items, and ``/Items`` semantics.

Faithful to Jellyfin 10.11/12.0 where K-TV depends on it (protocols.md §1, §6):
PascalCase JSON with nulls omitted (except ``ChannelId: null``), 32-hex ids,
dates with 7 fractional digits, fields gating, comma vs pipe list params,
silently dropped invalid enum and Guid values (an emptied filter means no
filter), ``recursive`` defaulting to false, ``TotalRecordCount`` ignoring paging.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TICKS = 10_000_000
ITEM_KINDS = {k.casefold(): k for k in (
    "AggregateFolder", "Audio", "BoxSet", "CollectionFolder", "Episode", "Folder", "Movie",
    "MusicVideo", "Playlist", "Season", "Series", "Trailer", "UserView", "Video")}
LOCATION_TYPES = {k.casefold(): k for k in ("FileSystem", "Remote", "Virtual", "Offline")}
#: ItemFields that gate a property (a subset of the enum; others are accepted and ignored).
ITEM_FIELDS = {k.casefold(): k for k in (
    "Genres", "Tags", "Overview", "ParentId", "Path", "ProviderIds", "SortName", "DateCreated",
    "MediaSources", "People", "Studios", "Taglines", "Etag", "Chapters")}
PIPE_PARAMS = {"genres", "tags", "officialratings", "studios", "artists", "albums"}


def new_guid() -> str:
    return uuid.uuid4().hex


@dataclass
class FakeItem:
    name: str
    type: str
    parent_id: str | None
    id: str = field(default_factory=new_guid)
    is_folder: bool = False
    collection_type: str | None = None
    run_time_ticks: int | None = None
    production_year: int | None = None
    premiere_date: str | None = None
    genres: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    overview: str | None = None
    location_type: str = "FileSystem"
    series: FakeItem | None = None
    season: FakeItem | None = None
    index_number: int | None = None
    linked: list[str] = field(default_factory=list)  # box set members
    has_image: bool = True
    created: int = 0


def split_list(values: list[str], key: str) -> list[str]:
    sep = "|" if key in PIPE_PARAMS else ","
    return [v.strip() for raw in values for v in raw.split(sep) if v.strip()]


def parse_enum(values: list[str], known: dict[str, str]) -> set[str]:
    """Case-insensitive names; unknown ones silently dropped (like .NET's TypeConverter)."""
    return {known[v.casefold()] for v in values if v.casefold() in known}


def parse_guid(raw: str) -> str | None:
    try:
        return uuid.UUID(raw).hex
    except ValueError:
        return None


def to_dto(item: FakeItem, fields: set[str], server_id: str) -> dict[str, Any]:
    d: dict[str, Any] = {"Name": item.name, "ServerId": server_id, "Id": item.id,
                         "ChannelId": None}
    if item.premiere_date:
        d["PremiereDate"] = item.premiere_date + "T00:00:00.0000000Z"
    if item.run_time_ticks is not None:
        d["RunTimeTicks"] = item.run_time_ticks
    if item.production_year is not None:
        d["ProductionYear"] = item.production_year
    if item.index_number is not None:
        d["IndexNumber"] = item.index_number
    if item.type == "Episode" and item.season and item.season.index_number is not None:
        d["ParentIndexNumber"] = item.season.index_number
    d["IsFolder"] = item.is_folder
    d["Type"] = item.type
    if item.collection_type:
        d["CollectionType"] = item.collection_type
    if item.series is not None:
        d["SeriesName"] = item.series.name
        d["SeriesId"] = item.series.id
        if item.series.has_image:
            d["SeriesPrimaryImageTag"] = "0cd0" + item.series.id[:28]
    if item.season is not None:
        d["SeasonId"] = item.season.id
        d["SeasonName"] = item.season.name
    d["ImageTags"] = {"Primary": "983f" + item.id[:28]} if item.has_image else {}
    d["BackdropImageTags"] = []
    d["LocationType"] = item.location_type
    d["MediaType"] = "Unknown" if item.is_folder else "Video"
    if "Genres" in fields:
        d["Genres"] = list(item.genres)
        d["GenreItems"] = [{"Name": g, "Id": uuid.uuid5(uuid.NAMESPACE_OID, g).hex}
                           for g in item.genres]
    if "Tags" in fields:
        d["Tags"] = list(item.tags)
    if "Overview" in fields and item.overview is not None:
        d["Overview"] = item.overview
    if "ParentId" in fields and item.parent_id is not None:
        d["ParentId"] = item.parent_id
    if "SortName" in fields:
        d["SortName"] = item.name.casefold()
    return d


_SORT_KEYS: dict[str, Callable[[FakeItem], Any]] = {
    "sortname": lambda it: it.name.casefold(), "name": lambda it: it.name,
    "productionyear": lambda it: it.production_year or 0,
    "datecreated": lambda it: it.created, "runtime": lambda it: it.run_time_ticks or 0,
    "premieredate": lambda it: it.premiere_date or "",
}


class FakeLibrary:
    """Items keyed by id under a root folder; ``query`` implements ``GET /Items``."""

    def __init__(self) -> None:
        self.server_id = new_guid()
        self.root = FakeItem("root", "AggregateFolder", None, is_folder=True)
        self.items: dict[str, FakeItem] = {self.root.id: self.root}

    def add(self, item: FakeItem) -> FakeItem:
        item.created = len(self.items)
        self.items[item.id] = item
        return item

    def children(self, parent_id: str) -> list[FakeItem]:
        parent = self.items[parent_id]
        direct = [it for it in self.items.values() if it.parent_id == parent_id]
        return direct + [self.items[i] for i in parent.linked if i in self.items]

    def descendants(self, parent_id: str) -> list[FakeItem]:
        out: dict[str, FakeItem] = {}
        stack = self.children(parent_id)
        while stack:
            it = stack.pop()
            if it.id not in out:
                out[it.id] = it
                stack.extend(self.children(it.id))
        return sorted(out.values(), key=lambda it: it.created)

    def query(self, q: dict[str, list[str]]) -> dict[str, Any]:
        """``q``: lower-cased keys to every value given (repeated keys allowed)."""
        def one(key: str) -> str | None:
            return q[key][0] if q.get(key) else None

        recursive = (one("recursive") or "false").casefold() == "true"
        ids = {g for v in split_list(q.get("ids", []), "ids") if (g := parse_guid(v))}
        parent = one("parentid")
        if ids:
            pool = [it for it in self.items.values() if it.id in ids]
        else:
            top = parse_guid(parent) if parent else self.root.id
            if top is None or top not in self.items:
                pool = []
            else:
                pool = self.descendants(top) if recursive else self.children(top)
        include = parse_enum(split_list(q.get("includeitemtypes", []), "x"), ITEM_KINDS)
        exclude_loc = parse_enum(split_list(q.get("excludelocationtypes", []), "x"),
                                 LOCATION_TYPES)
        genres = {g.casefold() for g in split_list(q.get("genres", []), "genres")}
        tags = {t.casefold() for t in split_list(q.get("tags", []), "tags")}
        years = {int(y) for y in split_list(q.get("years", []), "years") if y.isdigit()}
        pool = [it for it in pool
                if (not include or it.type in include)
                and it.location_type not in exclude_loc
                and (not genres or genres & {g.casefold() for g in it.genres})
                and (not tags or tags & {t.casefold() for t in it.tags})
                and (not years or it.production_year in years)]
        for key in reversed(split_list(q.get("sortby", []), "sortby")):
            if (fn := _SORT_KEYS.get(key.casefold())) is not None:
                pool.sort(key=fn)
        start = int(one("startindex") or 0)
        limit = one("limit")
        page = pool[start:] if limit is None else pool[start:start + int(limit)]
        fields = parse_enum(split_list(q.get("fields", []), "fields"), ITEM_FIELDS)
        return {"Items": [to_dto(it, fields, self.server_id) for it in page],
                "TotalRecordCount": len(pool), "StartIndex": start}
