"""K-TV Jellyfin adapter: a ``MediaProvider`` over the Jellyfin HTTP API.

Imports only the domain (plus httpx and msgspec); the app builds a
:class:`JellyfinProvider` with its shared ``httpx.AsyncClient``.
"""

from .client import DEFAULT_TIMEOUT, JellyfinHttp, auth_header
from .mapping import DEFAULT_SHORT_MAX_SECS, filter_queries, normalize_id, to_media_item
from .provider import DEFAULT_CATALOG_TTL, JellyfinProvider

__all__ = [
    "DEFAULT_CATALOG_TTL",
    "DEFAULT_SHORT_MAX_SECS",
    "DEFAULT_TIMEOUT",
    "JellyfinHttp",
    "JellyfinProvider",
    "auth_header",
    "filter_queries",
    "normalize_id",
    "to_media_item",
]
