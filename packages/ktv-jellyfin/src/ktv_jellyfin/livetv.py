"""Jellyfin Live TV administration: tuner hosts, listing providers, the guide refresh.

The request bodies are the ones jellyfin-web sends (protocols.md section 1.7):
``POST /LiveTv/TunerHosts`` (a ``TunerHostInfo``; with a known ``Id`` it updates,
else it creates; Jellyfin validates it first by fetching the M3U, or the
HDHomeRun ``discover.json``), ``POST /LiveTv/ListingProviders`` (an XMLTV
``ListingsProviderInfo``), ``DELETE`` of either by ``?id=``. What is configured
is read from ``GET /System/Configuration/livetv``; the guide refresh is the
``RefreshGuide`` scheduled task.

Failures leave as domain errors: unreachable or 5xx while reading ->
``MediaSourceUnavailable``; 401/403 -> ``MediaSourceUnauthorized``; Jellyfin
refusing a tuner or a listing provider (it could not fetch our URL) ->
``MediaSourceError`` saying so. The API key is never in a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import httpx
import msgspec

from ktv_domain import MediaSourceError, MediaSourceUnauthorized, MediaSourceUnavailable

from .client import auth_header

__all__ = ["JellyfinLiveTv", "ListingProvider", "TunerHost", "TunerType"]

TunerType = Literal["m3u", "hdhomerun"]
#: Saving a tuner makes Jellyfin fetch our playlist first: allow it time.
_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
_XMLTV_DEFAULTS: dict[str, Any] = {
    "EnableAllTuners": True, "EnabledTuners": [],
    "MovieCategories": ["movie"],
    "KidsCategories": ["kids", "family", "children", "childrens", "disney"],
    "NewsCategories": ["news", "journalism", "documentary", "current affairs"],
    "SportsCategories": ["sports", "basketball", "baseball", "football"],
    "MoviePrefix": None, "UserAgent": None, "PreferredLanguage": None, "ChannelMappings": [],
}


@dataclass(frozen=True, slots=True)
class TunerHost:
    id: str
    type: str
    url: str


@dataclass(frozen=True, slots=True)
class ListingProvider:
    id: str
    type: str
    path: str


class JellyfinLiveTv:
    def __init__(self, base_url: str, api_key: str, *, client: httpx.AsyncClient,
                 timeout: httpx.Timeout = _TIMEOUT) -> None:
        if not api_key:
            raise ValueError("a Jellyfin API key is required")
        self.base_url = str(httpx.URL(base_url.rstrip("/")).copy_with(username=None,
                                                                       password=None))
        self._key = api_key
        self._client = client
        self._timeout = timeout
        self._headers = {"Authorization": auth_header(api_key, "ktv-livetv"),
                         "Accept": "application/json"}

    def _scrub(self, text: str) -> str:
        return text.replace(self._key, "***").replace(quote(self._key, safe=""), "***")

    async def _call(self, method: str, path: str, *, params: dict[str, str] | None = None,
                    body: dict[str, Any] | None = None, what: str,
                    hide: tuple[str, ...] = ()) -> httpx.Response:
        """``hide``: values (our feed-token URLs) Jellyfin's reply may repeat, kept out of
        the error message."""
        try:
            response = await self._client.request(
                method, self.base_url + path, params=params, headers=self._headers,
                content=None if body is None else msgspec.json.encode(body),
                timeout=self._timeout)
        except httpx.TransportError as exc:
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise MediaSourceUnavailable(self._scrub(
                f"the Jellyfin server at {self.base_url} is unreachable: {detail}")) from exc
        status = response.status_code
        if status in (401, 403):
            raise MediaSourceUnauthorized(
                f"the Jellyfin server at {self.base_url} refused the API key (HTTP {status}); "
                "Live TV administration needs an API key (Dashboard > API Keys)")
        if status >= 400:
            text = self._scrub(response.text)
            for value in hide:
                text = text.replace(value, "<the K-TV URL>")
            text = text[:300].strip()
            message = (f"Jellyfin refused to {what} (HTTP {status})"
                       + (f": {text}" if text else ""))
            if status >= 500 and method == "GET":
                raise MediaSourceUnavailable(message)
            raise MediaSourceError(message)
        return response

    async def _configuration(self) -> dict[str, Any]:
        response = await self._call("GET", "/System/Configuration/livetv",
                                    what="show its Live TV configuration")
        try:
            data = msgspec.json.decode(response.content)
        except msgspec.DecodeError as exc:
            raise MediaSourceUnavailable("Jellyfin sent a malformed Live TV configuration") \
                from exc
        if not isinstance(data, dict):
            raise MediaSourceUnavailable("Jellyfin sent a malformed Live TV configuration")
        return data

    async def configured(self) -> tuple[list[TunerHost], list[ListingProvider]]:
        """The tuner hosts and listing providers Jellyfin has now."""
        data = await self._configuration()
        tuners = [TunerHost(id=str(t.get("Id") or ""), type=str(t.get("Type") or ""),
                            url=str(t.get("Url") or ""))
                  for t in data.get("TunerHosts") or [] if isinstance(t, dict)]
        listings = [ListingProvider(id=str(p.get("Id") or ""), type=str(p.get("Type") or ""),
                                    path=str(p.get("Path") or ""))
                    for p in data.get("ListingProviders") or [] if isinstance(p, dict)]
        return tuners, listings

    async def save_tuner_host(self, *, kind: TunerType, url: str, friendly_name: str,
                              tuner_id: str | None = None, tuner_count: int = 0) -> TunerHost:
        """Create (no ``tuner_id``) or update a tuner host; Jellyfin fetches ``url`` first."""
        body: dict[str, Any] = {
            "Type": kind, "Url": url, "FriendlyName": friendly_name, "DeviceId": None,
            "UserAgent": None, "Source": None, "TunerCount": tuner_count,
            "ImportFavoritesOnly": False, "AllowHWTranscoding": True,
            "AllowFmp4TranscodingContainer": False, "AllowStreamSharing": True,
            "EnableStreamLooping": False, "IgnoreDts": True, "ReadAtNativeFramerate": False,
            "FallbackMaxStreamingBitrate": 30000000,
        }
        if tuner_id:
            body["Id"] = tuner_id
        response = await self._call("POST", "/LiveTv/TunerHosts", body=body,
                                    what=f"save the {kind} tuner", hide=(url,))
        saved = _object(response)
        return TunerHost(id=str(saved.get("Id") or ""), type=kind, url=url)

    async def save_xmltv(self, *, path: str, provider_id: str | None = None) -> ListingProvider:
        """Create or update an XMLTV listing provider reading ``path``."""
        body: dict[str, Any] = {"Type": "xmltv", "Path": path, **_XMLTV_DEFAULTS}
        if provider_id:
            body["Id"] = provider_id
        response = await self._call(
            "POST", "/LiveTv/ListingProviders", body=body,
            params={"validateListings": "false", "validateLogin": "false"},
            what="save the XMLTV listing provider", hide=(path,))
        saved = _object(response)
        return ListingProvider(id=str(saved.get("Id") or ""), type="xmltv", path=path)

    async def delete_tuner_host(self, tuner_id: str) -> None:
        await self._call("DELETE", "/LiveTv/TunerHosts", params={"id": tuner_id},
                         what="delete a tuner")

    async def delete_listing_provider(self, provider_id: str) -> None:
        await self._call("DELETE", "/LiveTv/ListingProviders", params={"id": provider_id},
                         what="delete a listing provider")

    async def refresh_guide(self) -> bool:
        """Start the ``RefreshGuide`` task; False when the server has none."""
        response = await self._call("GET", "/ScheduledTasks", what="list its scheduled tasks")
        try:
            tasks = msgspec.json.decode(response.content)
        except msgspec.DecodeError as exc:
            raise MediaSourceUnavailable("Jellyfin sent a malformed task list") from exc
        task_id = next((t.get("Id") for t in tasks if isinstance(t, dict)
                        and t.get("Key") == "RefreshGuide"), None) \
            if isinstance(tasks, list) else None
        if not task_id:
            return False
        await self._call("POST", f"/ScheduledTasks/Running/{quote(str(task_id), safe='')}",
                         what="start the guide refresh")
        return True


def _object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = msgspec.json.decode(response.content)
    except msgspec.DecodeError as exc:
        raise MediaSourceUnavailable("Jellyfin sent a malformed answer") from exc
    if not isinstance(data, dict):
        raise MediaSourceUnavailable("Jellyfin sent a malformed answer")
    return data
