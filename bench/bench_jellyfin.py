"""Jellyfin decode benchmark (run: ``uv run python bench/bench_jellyfin.py``).

Decodes one 10k-item ``/Items`` answer (real-looking PascalCase payload with
fields the adapter ignores) with the adapter's msgspec Structs, and with a
baseline: pydantic when installed, else stdlib ``json`` + dict access pulling
the same fields. Then the full mapping to domain ``MediaItem``s. Target: the
msgspec decode <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from ktv_jellyfin.mapping import to_media_item
from ktv_jellyfin.wire import ITEMS_DECODER

_FIELDS = ("Id", "Name", "Type", "IsFolder", "LocationType", "CollectionType", "RunTimeTicks",
           "ProductionYear", "PremiereDate", "SeriesName", "SeriesId", "SeriesPrimaryImageTag",
           "IndexNumber", "ParentIndexNumber", "ParentId", "Genres", "Tags", "Overview",
           "ImageTags")


def payload(n: int) -> bytes:
    server = uuid.uuid4().hex
    items: list[dict[str, Any]] = []
    for i in range(n):
        item_id = uuid.UUID(int=i + 1).hex
        episode = i % 3 == 0
        d: dict[str, Any] = {
            "Name": f"Item {i}", "ServerId": server, "Id": item_id,
            "PremiereDate": f"{1950 + i % 70}-06-01T00:00:00.0000000Z", "ChannelId": None,
            "CommunityRating": 7.5, "RunTimeTicks": (20 + i % 150) * 60 * 10_000_000,
            "ProductionYear": 1950 + i % 70, "IsFolder": False,
            "Type": "Episode" if episode else "Movie",
            "UserData": {"PlaybackPositionTicks": 0, "PlayCount": 0, "IsFavorite": False,
                         "Played": False, "Key": item_id, "ItemId": "0" * 32},
            "VideoType": "VideoFile", "ImageTags": {"Primary": "983f" + item_id[:28]},
            "BackdropImageTags": [], "LocationType": "FileSystem", "MediaType": "Video",
            "Genres": ["Drama", "Comedy"][: 1 + i % 2], "Tags": ["tag"] if i % 5 == 0 else [],
            "Overview": "An overview of moderate length, like most real ones are. " * 3,
            "ParentId": uuid.UUID(int=10**9 + i // 20).hex,
        }
        if episode:
            d |= {"SeriesName": f"Show {i // 60}", "SeriesId": uuid.UUID(int=i // 60).hex,
                  "IndexNumber": i % 20 + 1, "ParentIndexNumber": 1}
        items.append(d)
    return json.dumps({"Items": items, "TotalRecordCount": n, "StartIndex": 0}).encode()


def decode_msgspec(body: bytes) -> int:
    return len(ITEMS_DECODER.decode(body).items)


def decode_baseline() -> tuple[str, Callable[[bytes], int]]:
    try:
        import pydantic  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        def stdlib(body: bytes) -> int:
            rows = json.loads(body)["Items"]
            return len([tuple(r.get(k) for k in _FIELDS) for r in rows])
        return "stdlib json + dict access", stdlib

    model = pydantic.create_model(  # type: ignore[call-overload, unused-ignore]
        "Item", __config__=pydantic.ConfigDict(extra="ignore"),
        **dict.fromkeys(_FIELDS, (Any, None)))
    adapter = pydantic.TypeAdapter(list[model])  # type: ignore[valid-type]

    def with_pydantic(body: bytes) -> int:  # pragma: no cover
        return len(adapter.validate_python(json.loads(body)["Items"]))
    return "pydantic", with_pydantic


def best_ms(fn: Callable[[], object], repeat: int) -> float:
    """The median of ``repeat`` timed runs, in ms."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    body = payload(args.items)
    name, baseline = decode_baseline()
    assert decode_msgspec(body) == baseline(body) == args.items
    ms = best_ms(lambda: decode_msgspec(body), args.repeat)
    base_ms = best_ms(lambda: baseline(body), args.repeat)
    page = ITEMS_DECODER.decode(body)
    map_ms = best_ms(lambda: [to_media_item(d, base_url="http://jf") for d in page.items],
                     args.repeat)
    print(f"/Items answer: {args.items} items, {len(body) / 1e6:.1f} MB")
    print(f"msgspec Structs decode:   {ms:7.1f} ms  (target <= 50 ms: "
          f"{'ok' if ms <= 50 else 'MISSED'})")
    print(f"baseline decode:          {base_ms:7.1f} ms  ({name}; {base_ms / ms:.1f}x slower)")
    print(f"mapping to MediaItem:     {map_ms:7.1f} ms")


if __name__ == "__main__":
    main()
