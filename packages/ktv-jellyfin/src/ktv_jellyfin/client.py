"""The HTTP edge: auth header, timeouts, bounded retries, paging, error translation.

Every failure leaves as a domain error (``raise ... from exc``):

* connect errors, timeouts, 5xx (after the retries) -> ``MediaSourceUnavailable``
* 401 / 403 -> ``MediaSourceUnauthorized``
* any other unexpected status or an undecodable body -> ``MediaSourceUnavailable``

The API key travels only in the ``Authorization`` header; it is never put in a
URL and is scrubbed from every message built here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import quote

import httpx
import msgspec

from ktv_domain import MediaSourceUnauthorized, MediaSourceUnavailable

from .wire import ITEMS_DECODER, ItemDto

__all__ = ["DEFAULT_TIMEOUT", "JellyfinHttp", "Params"]

Params = list[tuple[str, str]]
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
_CLIENT_VERSION = "0.1.0"


def auth_header(api_key: str, device_id: str) -> str:
    """``MediaBrowser Token="…", Client="…", …``, values percent-encoded (the server decodes)."""
    fields = {"Token": api_key, "Client": "K-TV", "Device": "K-TV server",
              "DeviceId": device_id, "Version": _CLIENT_VERSION}
    return "MediaBrowser " + ", ".join(f'{k}="{quote(v, safe="")}"' for k, v in fields.items())


class JellyfinHttp:
    """GETs against one Jellyfin server with retries on transient failures."""

    def __init__(self, base_url: str, api_key: str, *, client: httpx.AsyncClient,
                 retries: int = 2, backoff_secs: float = 0.25,
                 timeout: httpx.Timeout = DEFAULT_TIMEOUT,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 device_id: str = "ktv") -> None:
        if not api_key:
            raise ValueError("a Jellyfin API key is required")
        url = httpx.URL(base_url.rstrip("/"))
        self.base_url = str(url.copy_with(username=None, password=None))
        self._api_key = api_key
        self._client = client
        self._retries = max(0, retries)
        self._backoff = backoff_secs
        self._timeout = timeout
        self._sleep = sleep
        self._headers = {"Authorization": auth_header(api_key, device_id),
                         "Accept": "application/json"}

    @property
    def auth_headers(self) -> tuple[tuple[str, str], ...]:
        """The header that authenticates a reader of this server (holds the API key)."""
        return (("Authorization", self._headers["Authorization"]),)

    def _scrub(self, text: str) -> str:
        return text.replace(self._api_key, "***").replace(quote(self._api_key, safe=""), "***")

    def unavailable(self, detail: str) -> MediaSourceUnavailable:
        return MediaSourceUnavailable(
            self._scrub(f"the Jellyfin server at {self.base_url} is unreachable: {detail}"))

    async def get(self, path: str, params: Sequence[tuple[str, str]] = ()) -> bytes:
        """The body of a 200 answer to ``GET {base}{path}``."""
        url = self.base_url + path
        attempt = 0
        while True:
            try:
                response = await self._client.get(url, params=list(params),
                                                  headers=self._headers, timeout=self._timeout)
            except httpx.TransportError as exc:  # connect errors and every timeout
                if attempt < self._retries:
                    attempt += 1
                    await self._sleep(self._backoff * 2 ** (attempt - 1))
                    continue
                detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                raise self.unavailable(detail) from exc
            status = response.status_code
            if status >= 500 and attempt < self._retries:
                attempt += 1
                await self._sleep(self._backoff * 2 ** (attempt - 1))
                continue
            if status in (401, 403):
                raise MediaSourceUnauthorized(
                    f"the Jellyfin server at {self.base_url} refused the API key (HTTP {status})")
            if status != 200:
                raise self.unavailable(f"HTTP {status} from GET {path}")
            return response.content

    async def get_items(self, params: Sequence[tuple[str, str]]) -> list[ItemDto]:
        """One ``/Items`` answer (no paging)."""
        body = await self.get("/Items", params)
        try:
            return ITEMS_DECODER.decode(body).items
        except msgspec.DecodeError as exc:
            raise self.unavailable(f"malformed /Items answer ({exc})") from exc

    async def get_all_items(self, params: Sequence[tuple[str, str]],
                            page_size: int) -> list[ItemDto]:
        """Every item of an ``/Items`` query, page by page until ``TotalRecordCount``.

        ``params`` must carry a deterministic ``sortBy`` so pages do not overlap;
        callers still de-duplicate by id in case the library changes mid-walk.
        """
        items: list[ItemDto] = []
        start = 0
        while True:
            body = await self.get("/Items", [*params, ("startIndex", str(start)),
                                             ("limit", str(page_size))])
            try:
                page = ITEMS_DECODER.decode(body)
            except msgspec.DecodeError as exc:
                raise self.unavailable(f"malformed /Items answer ({exc})") from exc
            items.extend(page.items)
            start += len(page.items)
            if not page.items or start >= page.total_record_count:
                return items
