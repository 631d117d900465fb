"""The built-in web player: the page ``/watch`` and its files, from the package folder ``web/``.

The files ship in the wheel (``ktv_api/web``) and are read once, when the routes
are built: a request can only name a file of that fixed table, never a path on
disk. The page is ``web/watch.html``; every other file is served under
``/watch/<its path in web/>`` with a content type chosen by its suffix. Answers
carry an ``ETag`` and ``Cache-Control: no-cache`` (revalidate, then 304), so an
upgrade of K-TV is seen at the next load.

The page needs a Content-Security-Policy of its own (:func:`watch_csp`); the
outermost middleware sends it on ``/watch`` only, and the strict API policy on
every other path (``middleware.RequestContext``'s ``pages``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, Final
from urllib.parse import urlsplit

from litestar import Request, Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import Redirect

from ktv_domain import NotFound

from .settings import Settings

__all__ = ["WATCH_PATH", "load_assets", "player_routes", "watch_csp"]

WATCH_PATH: Final = "/watch"
_PAGE: Final = "watch.html"
_TYPES: Final = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".md": "text/plain",
    "": "text/plain",  # LICENSE
}


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


def load_assets(root: Traversable | None = None) -> dict[str, Asset]:
    """Every file under ``web/`` by its ``/``-separated path (``vendor/hls.js/LICENSE``)."""
    out: dict[str, Asset] = {}

    def walk(folder: Traversable, prefix: str) -> None:
        for entry in folder.iterdir():
            name = f"{prefix}{entry.name}"
            if entry.is_dir():
                walk(entry, f"{name}/")
                continue
            suffix = "." + entry.name.rsplit(".", 1)[1] if "." in entry.name else ""
            media_type = _TYPES.get(suffix)
            if media_type is None:
                continue  # nothing the page uses (an editor's backup file...)
            body = entry.read_bytes()
            out[name] = Asset(body, media_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"')

    walk(root or files("ktv_api") / "web", "")
    return out


def watch_csp(settings: Settings) -> bytes:
    """The page's Content-Security-Policy: the strict API policy opened only as far as the
    player needs.

    - ``script-src 'self'``, ``style-src 'self'``: its own files, nothing inline;
    - ``connect-src 'self'`` (API calls, hls.js' playlist and segment requests) and
      ``media-src 'self' blob:`` (hls.js hands the video element a MediaSource ``blob:``
      URL; native HLS plays our URL), plus ``PUBLIC_BASE_URL``'s origin when it is set,
      since signed segment links are absolute under it;
    - ``worker-src blob:``: hls.js starts its transmuxing worker from a ``blob:`` URL;
    - ``img-src 'self' https: http:``: channel logos are whatever URL their owner set;
    - no framing, no ``<base>``, no form submission (the sign-in form is sent by script).
    """
    extra = ""
    if settings.public_base_url:
        parts = urlsplit(settings.public_base_url)
        extra = f" {parts.scheme}://{parts.netloc}"
    policy = ("default-src 'none'; script-src 'self'; style-src 'self'; "
              "img-src 'self' https: http:; "
              f"media-src 'self' blob:{extra}; worker-src blob:; connect-src 'self'{extra}; "
              "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return policy.encode()


def _answer(asset: Asset, request: Request[Any, Any, Any]) -> Response[bytes]:
    headers = {"ETag": asset.etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def player_routes() -> list[HTTPRouteHandler]:
    """``GET /watch`` (the page) and ``GET /watch/{path}`` (its scripts, styles, hls.js)."""
    assets = load_assets()
    page = assets.pop(_PAGE)

    @get(WATCH_PATH, include_in_schema=False, sync_to_thread=False)
    def watch(request: Request[Any, Any, Any]) -> Response[bytes]:
        if request.scope.get("raw_path", b"").endswith(b"/"):  # routing dropped the slash
            # The page loads its files by relative URLs (``watch/...``, ``api/v1/...``):
            # they resolve right from ``/watch`` only. Relative, for a proxy's path prefix.
            return Redirect("../watch", status_code=308)
        return _answer(page, request)

    @get(f"{WATCH_PATH}/{{name:path}}", include_in_schema=False, sync_to_thread=False)
    def asset(name: FromPath[str], request: Request[Any, Any, Any]) -> Response[bytes]:
        found = assets.get(name.lstrip("/"))
        if found is None:
            raise NotFound(f"no such file of the web player: {name.lstrip('/')}")
        return _answer(found, request)

    return [watch, asset]
