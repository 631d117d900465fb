"""Conditional and compressed answers for the IPTV documents.

``ETag`` + ``If-None-Match`` give a 304 (weak comparison, as RFC 9110 asks for
this header; ``*`` matches); gzip when the client accepts it (``q=0`` refuses),
with ``Vary: Accept-Encoding`` and a different ETag per encoding.
``Cache-Control: private, no-cache``: a player may keep a copy but revalidates,
and shared caches never keep a document whose URLs carry a credential.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response

__all__ = ["CACHE_CONTROL", "accepts_gzip", "conditional", "etag_of", "matches"]

CACHE_CONTROL = "private, no-cache"


def etag_of(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names this representation (any encoding of it)."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*":
            return True
        tag = tag.removeprefix("W/").strip('"')
        if tag.removesuffix("-gzip") == etag:
            return True
    return False


def accepts_gzip(accept_encoding: str | None) -> bool:
    for part in (accept_encoding or "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        return q > 0
    return False


async def conditional(request: Request[Any, Any, Any], *, etag: str, media_type: str,
                      body: Callable[[], Awaitable[bytes]],
                      gzipped: Callable[[], Awaitable[bytes]] | None = None,
                      ) -> Response[bytes]:
    """A 304 when the client holds ``etag``, else the body (gzipped when accepted)."""
    gz = gzipped is not None and accepts_gzip(request.headers.get("accept-encoding"))
    tag = f'"{etag}-gzip"' if gz else f'"{etag}"'
    headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(b"", status_code=304, headers=headers, media_type=media_type)
    if gz:
        assert gzipped is not None
        headers["Content-Encoding"] = "gzip"
        return Response(await gzipped(), headers=headers, media_type=media_type)
    return Response(await body(), headers=headers, media_type=media_type)
