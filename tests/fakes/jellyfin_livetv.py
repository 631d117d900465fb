"""Jellyfin's Live TV administration, as strict as the real server (protocols.md 1.7).

``POST /LiveTv/TunerHosts`` validates before saving, like ``TunerHostManager``:
an unknown ``Type`` is a 404; an ``m3u`` tuner's ``Url`` is fetched and parsed
with Jellyfin's own rules (``M3uParser``: the attribute regex, the name after the
last comma with a leading number stripped, absolute http(s) URLs only); a
``hdhomerun`` tuner's ``{Url}/discover.json`` and then its ``LineupURL`` are
fetched. Stricter than the real one on purpose: any 4xx/5xx or unreadable answer
is refused with a 500 (the real server treats a 404 discover.json as a legacy
tuner), and an XMLTV listing provider's ``Path`` is fetched and must be
well-formed XML even with ``validateListings=false``. A known ``Id`` updates,
anything else creates (a new 32-hex ``Id``). The body must be a JSON object;
unknown keys are kept (the tests check them against the OpenAPI schema).
Saved entries are listed by ``GET /System/Configuration/livetv``;
``GET /ScheduledTasks`` lists a ``RefreshGuide`` task that
``POST /ScheduledTasks/Running/{id}`` starts (recorded in ``started_tasks``).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from .jellyfin_library import new_guid

__all__ = ["JellyfinChannel", "LiveTv"]

_KEY_VALUE = re.compile(r'([a-z0-9\-_]+)="([^"]+)"', re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class JellyfinChannel:
    """A channel as Jellyfin's tuner would list it."""

    name: str | None
    number: str | None
    tuner_channel_id: str | None
    url: str


def _number_ok(text: str | None) -> bool:
    if not text or text in ("0", "-1"):
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_m3u_like_jellyfin(text: str) -> list[JellyfinChannel]:
    """``M3uParser.GetChannelsAsync`` in Python (name, number, TunerChannelId, URL)."""
    out: list[JellyfinChannel] = []
    ext_inf = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.upper().startswith("#EXTM3U"):
            continue
        if line.upper().startswith("#EXTINF:"):
            ext_inf = line[len("#EXTINF:"):].strip()
            continue
        if not ext_inf or line.startswith("#"):
            continue
        if urlsplit(line).scheme.lower() not in ("http", "https", "rtsp", "rtp", "udp"):
            ext_inf = ""
            continue
        attrs: dict[str, str] = {}
        remaining = ext_inf
        for m in _KEY_VALUE.finditer(ext_inf):
            attrs[m[1].lower()] = m[2]
            remaining = remaining.replace(f'{m[1]}="{m[2]}"', "")
        parts = [p for p in remaining.split(",") if p]
        name = parts[-1].strip() if len(parts) > 1 else None
        if name:
            first, _, rest = name.partition(" ")
            if rest and first and _number_ok(first.strip(" .")):
                name = rest.strip(" -")
        name = name or attrs.get("tvg-name") or attrs.get("tvg-id")
        number = attrs.get("tvg-chno") if _number_ok(attrs.get("tvg-chno")) else None
        out.append(JellyfinChannel(name=name or None, number=number,
                                   tuner_channel_id=attrs.get("tvg-id") or attrs.get("channel-id"),
                                   url=line))
        ext_inf = ""
    return out


def _json(body: object, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(),
                          headers={"Content-Type": "application/json; charset=utf-8"})


@dataclass
class LiveTv:
    """The Live TV state of the fake server and the HTTP client it fetches URLs with."""

    fetcher: httpx.AsyncClient | None = None
    tuner_hosts: list[dict[str, Any]] = field(default_factory=list)
    listing_providers: list[dict[str, Any]] = field(default_factory=list)
    #: What each tuner host's source lists now (by tuner Id).
    channels: dict[str, list[JellyfinChannel]] = field(default_factory=dict)
    #: The guide documents fetched (by listing provider Id).
    guides: dict[str, bytes] = field(default_factory=dict)
    refresh_task_id: str = field(default_factory=new_guid)
    started_tasks: list[str] = field(default_factory=list)
    #: Request bodies received, for schema checks.
    bodies: list[dict[str, Any]] = field(default_factory=list)

    async def _fetch(self, url: str) -> httpx.Response | str:
        """The answer, or why it could not be had."""
        if self.fetcher is None:
            return "no network"
        try:
            response = await self.fetcher.get(url)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if response.status_code >= 400:
            return f"Response status code does not indicate success: {response.status_code}"
        return response

    async def handle(self, request: httpx.Request, parts: list[str],
                     query: dict[str, list[str]]) -> httpx.Response | None:
        """The answer to a Live TV route, or None when ``parts`` is not one."""
        method = request.method
        if parts == ["system", "configuration", "livetv"] and method == "GET":
            return _json({"GuideDays": None, "EnableRecordingSubfolders": False,
                          "TunerHosts": self.tuner_hosts,
                          "ListingProviders": self.listing_providers})
        if parts == ["scheduledtasks"] and method == "GET":
            return _json([{"Name": "Refresh Guide", "State": "Idle", "Id": self.refresh_task_id,
                           "Category": "Live TV", "IsHidden": False, "Key": "RefreshGuide",
                           "Triggers": []},
                          {"Name": "Scan Media Library", "State": "Idle", "Id": new_guid(),
                           "Category": "Library", "IsHidden": False,
                           "Key": "RefreshLibrary", "Triggers": []}])
        if parts[:2] == ["scheduledtasks", "running"] and len(parts) == 3 and method == "POST":
            if parts[2] != self.refresh_task_id:
                return _json({"title": "Task not found"}, 404)
            self.started_tasks.append(parts[2])
            return httpx.Response(204)
        if parts == ["livetv", "tunerhosts"]:
            if method == "DELETE":
                wanted = (query.get("id") or [""])[0]
                self.tuner_hosts = [t for t in self.tuner_hosts if t.get("Id") != wanted]
                self.channels.pop(wanted, None)
                return httpx.Response(204)
            if method == "POST":
                return await self._save_tuner(request)
        if parts == ["livetv", "listingproviders"]:
            if method == "DELETE":
                wanted = (query.get("id") or [""])[0]
                self.listing_providers = [p for p in self.listing_providers
                                          if p.get("Id") != wanted]
                return httpx.Response(204)
            if method == "POST":
                return await self._save_listings(request)
        return None

    def _body(self, request: httpx.Request) -> dict[str, Any] | None:
        try:
            body = json.loads(request.content)
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        self.bodies.append(body)
        return body

    async def _save_tuner(self, request: httpx.Request) -> httpx.Response:
        info = self._body(request)
        if info is None:
            return _json({"title": "One or more validation errors occurred."}, 400)
        kind = str(info.get("Type") or "").lower()
        if kind not in ("m3u", "hdhomerun"):
            return httpx.Response(404)  # ResourceNotFoundException
        url = str(info.get("Url") or "")
        if not url:
            return _json({"title": "Invalid tuner info"}, 400)
        if kind == "m3u":
            got = await self._fetch(url)
            if isinstance(got, str):
                return httpx.Response(500, text=f"Error processing request: {got}")
            channels = parse_m3u_like_jellyfin(got.text)
        else:
            got = await self._fetch(url.rstrip("/") + "/discover.json")
            if isinstance(got, str):
                return httpx.Response(500, text=f"Error processing request: {got}")
            discover = got.json()
            lineup_url = discover.get("LineupURL") or discover["BaseURL"] + "/lineup.json"
            got = await self._fetch(lineup_url)
            if isinstance(got, str):
                return httpx.Response(500, text=f"Error processing request: {got}")
            channels = [JellyfinChannel(name=e.get("GuideName"), number=e.get("GuideNumber"),
                                        tuner_channel_id=None, url=e.get("URL", ""))
                        for e in got.json() if not e.get("DRM")]
            info["DeviceId"] = discover.get("DeviceID")
        known = [t for t in self.tuner_hosts if t.get("Id") and t.get("Id") == info.get("Id")]
        if not known:
            info["Id"] = new_guid()
            self.tuner_hosts.append(info)
        else:
            self.tuner_hosts[self.tuner_hosts.index(known[0])] = info
        self.channels[info["Id"]] = channels
        return _json(info)

    async def _save_listings(self, request: httpx.Request) -> httpx.Response:
        info = self._body(request)
        if info is None:
            return _json({"title": "One or more validation errors occurred."}, 400)
        if str(info.get("Type") or "").lower() != "xmltv":
            return httpx.Response(404)
        got = await self._fetch(str(info.get("Path") or ""))
        if isinstance(got, str):
            return httpx.Response(500, text=f"Error processing request: {got}")
        try:
            ET.fromstring(got.content)
        except ET.ParseError as exc:
            return httpx.Response(500, text=f"Error processing request: {exc}")
        known = [p for p in self.listing_providers
                 if p.get("Id") and p.get("Id") == info.get("Id")]
        if not known:
            info["Id"] = new_guid()
            self.listing_providers.append(info)
        else:
            self.listing_providers[self.listing_providers.index(known[0])] = info
        self.guides[info["Id"]] = got.content
        return _json(info)
