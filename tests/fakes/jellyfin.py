"""A fake Jellyfin server as an ``httpx.MockTransport`` handler (protocols.md §6).

Routes: ``/Items`` (+ ``/Users/{id}/Items``), ``/UserViews`` (+
``/Users/{id}/Views``), ``/Library/VirtualFolders``, anonymous
``/Videos/{id}/stream`` (Range-capable) and ``/Items/{id}/Images/{type}``, and
the Live TV administration of :mod:`.jellyfin_livetv` (tuner hosts, listing
providers, scheduled tasks), which fetches the URLs it is given through
``livetv.fetcher``.
Paths and query keys are case-insensitive; the server may sit under a base
path. Auth like a default 12.0 install: ``Authorization: MediaBrowser
Token="…"`` (URL-decoded values) or ``?ApiKey=``; the legacy ways
(``X-Emby-Token``, ``api_key``, ``Authorization: Emby``) only with
``legacy_auth=True``. Every request is recorded; ``faults`` queues status
codes or exceptions to answer the next requests with.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

import httpx

from .jellyfin_library import TICKS, FakeItem, FakeLibrary, new_guid, parse_guid
from .jellyfin_livetv import LiveTv

__all__ = ["FakeItem", "FakeJellyfin"]

_PAIR = re.compile(r'(\w+)=("([^"]*)"|[^,\s]*)')


def _json(body: object, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(),
                          headers={"Content-Type": "application/json; charset=utf-8"})


class FakeJellyfin:
    def __init__(self, base_url: str = "http://jellyfin.test", api_key: str | None = None, *,
                 legacy_auth: bool = False) -> None:
        self.base_url = base_url.rstrip("/")
        self.base_path = httpx.URL(self.base_url).path.rstrip("/").casefold()
        self.api_keys = {api_key or new_guid()}
        self.users: dict[str, str] = {}
        self.legacy_auth = legacy_auth
        self.lib = FakeLibrary()
        self.libraries: list[FakeItem] = []
        self.requests: list[httpx.Request] = []
        self.faults: list[int | Exception] = []
        #: Real file bytes per item id for ``/Videos/{id}/stream`` (else a stand-in).
        self.media: dict[str, bytes] = {}
        self.livetv = LiveTv()

    @property
    def api_key(self) -> str:
        return next(iter(self.api_keys))

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle_async)

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        """Every route: the Live TV ones (they fetch URLs) here, the rest in :meth:`handle`."""
        path = request.url.path.casefold()
        if self.base_path and path.startswith(self.base_path):
            path = path[len(self.base_path):]
        parts = [p for p in path.split("/") if p]
        query: dict[str, list[str]] = {}
        for key, value in request.url.params.multi_items():
            query.setdefault(key.casefold(), []).append(value)
        if parts[:1] in (["livetv"], ["scheduledtasks"], ["system"]) and not self.faults:
            self.requests.append(request)
            if self._token(request, query) not in self.api_keys:
                return httpx.Response(401)
            answer = await self.livetv.handle(request, parts, query)
            return answer if answer is not None else httpx.Response(404)
        return self.handle(request)

    # -- building the library ------------------------------------------------------

    def add_user(self, name: str) -> str:
        user_id = new_guid()
        self.users[user_id] = name
        return user_id

    def add_library(self, name: str, collection_type: str | None = "movies") -> FakeItem:
        lib = self.lib.add(FakeItem(name, "CollectionFolder", self.lib.root.id, is_folder=True,
                                    collection_type=collection_type))
        self.libraries.append(lib)
        return lib

    def add_folder(self, name: str, parent: FakeItem, kind: str = "Folder") -> FakeItem:
        return self.lib.add(FakeItem(name, kind, parent.id, is_folder=True))

    def add_video(self, name: str, parent: FakeItem, *, minutes: float | None = 90,
                  kind: str = "Movie", year: int | None = None, genres: tuple[str, ...] = (),
                  tags: tuple[str, ...] = (), overview: str | None = None,
                  location_type: str = "FileSystem", has_image: bool = True) -> FakeItem:
        ticks = None if minutes is None else round(minutes * 60 * TICKS)
        return self.lib.add(FakeItem(
            name, kind, parent.id, run_time_ticks=ticks, production_year=year,
            premiere_date=f"{year}-06-01" if year else None, genres=list(genres),
            tags=list(tags), overview=overview, location_type=location_type,
            has_image=has_image))

    def add_series(self, name: str, library: FakeItem, seasons: int, episodes: int, *,
                   minutes: float = 30, genres: tuple[str, ...] = ()) -> FakeItem:
        series = self.add_folder(name, library, "Series")
        for s in range(1, seasons + 1):
            season = self.add_folder(f"Season {s}", series, "Season")
            season.index_number = s
            for e in range(1, episodes + 1):
                ep = self.add_video(f"{name} S{s:02}E{e:02}", season, minutes=minutes,
                                    kind="Episode", genres=genres)
                ep.series, ep.season, ep.index_number = series, season, e
        return series

    def add_box_set(self, name: str, members: list[FakeItem]) -> FakeItem:
        box_lib = next((lb for lb in self.libraries if lb.collection_type == "boxsets"), None)
        if box_lib is None:
            box_lib = self.add_library("Collections", "boxsets")
        box = self.add_folder(name, box_lib, "BoxSet")
        box.linked = [m.id for m in members]
        return box

    # -- serving ---------------------------------------------------------------------

    def _token(self, request: httpx.Request, query: dict[str, list[str]]) -> str | None:
        auth = request.headers.get("authorization", "")
        scheme, _, rest = auth.partition(" ")
        schemes = {"mediabrowser", "emby"} if self.legacy_auth else {"mediabrowser"}
        if self.legacy_auth and not auth:
            scheme, _, rest = request.headers.get("x-emby-authorization", "").partition(" ")
        if scheme.casefold() in schemes:
            pairs = {m[1].casefold(): unquote(m[3] if m[2].startswith('"') else m[2])
                     for m in _PAIR.finditer(rest)}
            if pairs.get("token"):
                return pairs["token"]
        if self.legacy_auth:
            for header in ("x-emby-token", "x-mediabrowser-token"):
                if request.headers.get(header):
                    return request.headers[header]
        if query.get("apikey"):
            return query["apikey"][0]
        if self.legacy_auth and query.get("api_key"):
            return query["api_key"][0]
        return None

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.faults:
            fault = self.faults.pop(0)
            if isinstance(fault, Exception):
                raise fault
            return _json({"title": "fault"}, fault)
        path = request.url.path.casefold()
        if self.base_path and path.startswith(self.base_path):
            path = path[len(self.base_path):]
        query: dict[str, list[str]] = {}
        for key, value in request.url.params.multi_items():
            query.setdefault(key.casefold(), []).append(value)
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["videos"] and len(parts) == 3 and parts[2].startswith("stream"):
            return self._stream(request, parts[1])
        if parts[:1] == ["items"] and len(parts) >= 4 and parts[2] == "images":
            item = self.lib.items.get(parse_guid(parts[1]) or "")
            if item is None or not item.has_image:
                return httpx.Response(404)
            return httpx.Response(200, content=b"\x89PNG fake",
                                  headers={"Content-Type": "image/png"})
        if self._token(request, query) not in self.api_keys:
            return httpx.Response(401)
        if len(parts) == 3 and parts[0] == "users" and parts[2] in ("items", "views"):
            query["userid"] = [parts[1]]
            parts = ["items"] if parts[2] == "items" else ["userviews"]
        user = query.get("userid", [None])[0]
        if user is not None and parse_guid(user) not in self.users:
            return httpx.Response(404)
        if parts == ["items"]:
            return _json(self.lib.query(query))
        if parts == ["userviews"]:
            if user is None:  # API key without a user: GetUserById(Guid.Empty) throws
                return _json({"title": "Guid can't be empty"}, 400)
            views = [lb.id for lb in self.libraries]
            result = self.lib.query({"ids": [",".join(views)]}) if views else \
                {"Items": [], "TotalRecordCount": 0, "StartIndex": 0}
            return _json(result)
        if parts == ["library", "virtualfolders"]:
            return _json([{"Name": lb.name, "Locations": [f"/media/{lb.name}"],
                           "CollectionType": lb.collection_type, "ItemId": lb.id,
                           "RefreshStatus": "Idle"} for lb in self.libraries])
        return httpx.Response(404)

    def _stream(self, request: httpx.Request, raw_id: str) -> httpx.Response:
        item = self.lib.items.get(parse_guid(raw_id) or "")
        if item is None or item.is_folder:
            return httpx.Response(404)
        data = self.media.get(item.id) or (item.id.encode() * 64)[:2000]
        headers = {"Content-Type": "video/mp4", "Accept-Ranges": "bytes"}
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", request.headers.get("range", ""))
        if m is None:
            return httpx.Response(200, content=b"" if request.method == "HEAD" else data,
                                  headers={**headers, "Content-Length": str(len(data))})
        start, end = int(m[1]), int(m[2] or len(data) - 1)
        if start >= len(data):
            return httpx.Response(416, headers={"Content-Range": f"bytes */{len(data)}"})
        chunk = data[start:min(end, len(data) - 1) + 1]
        headers["Content-Range"] = f"bytes {start}-{start + len(chunk) - 1}/{len(data)}"
        return httpx.Response(206, content=b"" if request.method == "HEAD" else chunk,
                              headers=headers)
