"""JSON codec for what the tables keep as documents: configs, policies, item snapshots.

stdlib ``json``; decoding rebuilds the exact domain values (tuples, ``time``
with seconds, ``None`` fields, block ids). Item snapshots leave out fields at
their default (``None`` / empty) to keep slot rows small.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, time
from typing import Any

from ktv_domain import (
    AlgorithmicContent,
    BlockContent,
    BlockId,
    ContentType,
    FillStrategy,
    ManualContent,
    MediaFilter,
    MediaItem,
    MediaItemId,
    ProgrammingBlock,
    RecyclePolicy,
    ScheduleConfig,
    ScheduleWarning,
)

__all__ = [
    "decode_config",
    "decode_item",
    "decode_policy",
    "decode_warnings",
    "encode_config",
    "encode_item",
    "encode_policy",
    "encode_warnings",
]

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_loads = json.loads
_ITEM_SCALARS = ("series_name", "season_number", "episode_number", "year", "overview",
              "image_url", "duration_secs")
_ITEM_LISTS = ("genres", "tags", "collections")
_FILTER_LISTS = ("genres", "tags", "collections", "series")
_FILTER_SCALARS = ("decade", "min_duration_secs", "max_duration_secs")


# -- media items --------------------------------------------------------------------------

def encode_item(item: MediaItem) -> str:
    doc: dict[str, Any] = {"id": item.id, "title": item.title}
    if item.content_type is not None:
        doc["content_type"] = item.content_type.value
    for name in _ITEM_SCALARS:
        value = getattr(item, name)
        if value is not None:
            doc[name] = value
    if item.premiere_date is not None:
        doc["premiere_date"] = item.premiere_date.isoformat()
    for name in _ITEM_LISTS:
        values = getattr(item, name)
        if values:
            doc[name] = list(values)
    return _dumps(doc)


def decode_item(text: str) -> MediaItem:
    doc: dict[str, Any] = _loads(text)
    kw: dict[str, Any] = {name: doc[name] for name in _ITEM_SCALARS if name in doc}
    for name in _ITEM_LISTS:
        if name in doc:
            kw[name] = tuple(doc[name])
    if "content_type" in doc:
        kw["content_type"] = ContentType(doc["content_type"])
    if "premiere_date" in doc:
        kw["premiere_date"] = date.fromisoformat(doc["premiere_date"])
    return MediaItem(id=MediaItemId(doc["id"]), title=doc["title"], **kw)


# -- schedule config ----------------------------------------------------------------------

def _filter_doc(f: MediaFilter) -> dict[str, Any]:
    doc: dict[str, Any] = {"content_type": f.content_type.value if f.content_type else None}
    doc.update({name: list(getattr(f, name)) for name in _FILTER_LISTS})
    doc.update({name: getattr(f, name) for name in _FILTER_SCALARS})
    return doc


def _filter(doc: dict[str, Any]) -> MediaFilter:
    ct = doc.get("content_type")
    kw: dict[str, Any] = {name: tuple(doc.get(name, ())) for name in _FILTER_LISTS}
    kw.update({name: doc.get(name) for name in _FILTER_SCALARS})
    return MediaFilter(content_type=ContentType(ct) if ct is not None else None, **kw)


def _content_doc(content: BlockContent) -> dict[str, Any]:
    if isinstance(content, ManualContent):
        return {"type": "manual", "items": list(content.items)}
    return {"type": "algorithmic", "strategy": content.strategy.value,
            "filter": _filter_doc(content.filter)}


def _content(doc: dict[str, Any]) -> BlockContent:
    if doc["type"] == "manual":
        return ManualContent(items=tuple(MediaItemId(i) for i in doc["items"]))
    return AlgorithmicContent(filter=_filter(doc["filter"]),
                              strategy=FillStrategy(doc["strategy"]))


def encode_config(config: ScheduleConfig) -> str:
    return _dumps({"blocks": [
        {"id": str(b.id), "name": b.name, "start_time": b.start_time.isoformat(),
         "duration_mins": b.duration_mins, "loop_on_finish": b.loop_on_finish,
         "content": _content_doc(b.content)}
        for b in config.blocks]})


def decode_config(text: str) -> ScheduleConfig:
    doc = _loads(text)
    return ScheduleConfig(blocks=tuple(
        ProgrammingBlock(id=BlockId(uuid.UUID(b["id"])), name=b["name"],
                         start_time=time.fromisoformat(b["start_time"]),
                         duration_mins=b["duration_mins"], loop_on_finish=b["loop_on_finish"],
                         content=_content(b["content"]))
        for b in doc["blocks"]))


# -- recycle policy and warnings ----------------------------------------------------------

def encode_policy(policy: RecyclePolicy) -> str:
    return _dumps({"cooldown_days": policy.cooldown_days,
                   "cooldown_generations": policy.cooldown_generations,
                   "min_available_ratio": policy.min_available_ratio})


def decode_policy(text: str) -> RecyclePolicy:
    doc = _loads(text)
    return RecyclePolicy(cooldown_days=doc["cooldown_days"],
                         cooldown_generations=doc["cooldown_generations"],
                         min_available_ratio=doc["min_available_ratio"])


def encode_warnings(warnings: tuple[ScheduleWarning, ...]) -> str:
    return _dumps([{"code": w.code, "message": w.message,
                    "block_id": str(w.block_id) if w.block_id else None} for w in warnings])


def decode_warnings(text: str) -> tuple[ScheduleWarning, ...]:
    return tuple(ScheduleWarning(code=w["code"], message=w["message"],
                                 block_id=BlockId(uuid.UUID(w["block_id"]))
                                 if w["block_id"] else None)
                 for w in _loads(text))
