"""K-TV Jellyfin adapter: a ``MediaProvider`` over the Jellyfin HTTP API.

Imports only the domain (plus httpx and msgspec); the app builds a
:class:`JellyfinProvider` with its shared ``httpx.AsyncClient``, and
:class:`JellyfinLiveTv` to register K-TV's tuner and guide in Jellyfin Live TV.
"""

from .client import DEFAULT_TIMEOUT, JellyfinHttp, auth_header
from .livetv import JellyfinLiveTv, ListingProvider, TunerHost, TunerType
from .mapping import DEFAULT_SHORT_MAX_SECS, filter_queries, normalize_id, to_media_item
from .provider import DEFAULT_CATALOG_TTL, JellyfinProvider

__all__ = [
    "DEFAULT_CATALOG_TTL",
    "DEFAULT_SHORT_MAX_SECS",
    "DEFAULT_TIMEOUT",
    "JellyfinHttp",
    "JellyfinLiveTv",
    "JellyfinProvider",
    "ListingProvider",
    "TunerHost",
    "TunerType",
    "auth_header",
    "filter_queries",
    "normalize_id",
    "to_media_item",
]
