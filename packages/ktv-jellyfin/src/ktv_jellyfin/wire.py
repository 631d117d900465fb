"""Wire types for the few Jellyfin responses K-TV reads.

Tolerant msgspec Structs: PascalCase names (``rename="pascal"``), unknown
fields ignored, every optional field defaulted (Jellyfin omits nulls), enum
values kept as plain strings so a newer server's kinds never break decoding.
Decoders are built once, at import.
"""

from __future__ import annotations

import msgspec

__all__ = ["ITEMS_DECODER", "VIRTUAL_FOLDERS_DECODER", "ItemDto", "ItemsPage", "VirtualFolder"]


class ItemDto(msgspec.Struct, rename="pascal", frozen=True):
    """The subset of ``BaseItemDto`` the provider uses."""

    id: str
    name: str | None = None
    type: str | None = None
    is_folder: bool | None = None
    location_type: str | None = None
    collection_type: str | None = None
    run_time_ticks: int | None = None
    production_year: int | None = None
    premiere_date: str | None = None
    series_name: str | None = None
    series_id: str | None = None
    series_primary_image_tag: str | None = None
    index_number: int | None = None
    parent_index_number: int | None = None
    parent_id: str | None = None  # only with fields=ParentId
    genres: list[str] | None = None  # only with fields=Genres
    tags: list[str] | None = None  # only with fields=Tags
    overview: str | None = None  # only with fields=Overview
    image_tags: dict[str, str | None] | None = None


class ItemsPage(msgspec.Struct, rename="pascal", frozen=True):
    """``BaseItemDtoQueryResult``."""

    items: list[ItemDto] = []
    total_record_count: int = 0
    start_index: int = 0


class VirtualFolder(msgspec.Struct, rename="pascal", frozen=True):
    """``VirtualFolderInfo``: one library; ``ItemId`` is what ``parentId`` takes."""

    name: str | None = None
    item_id: str | None = None
    collection_type: str | None = None


ITEMS_DECODER = msgspec.json.Decoder(ItemsPage)
VIRTUAL_FOLDERS_DECODER = msgspec.json.Decoder(list[VirtualFolder])
