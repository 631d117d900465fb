"""The outermost ASGI layer: request ids, the access log line, metrics, security headers.

It wraps Litestar's whole handler (not a per-route middleware), so unknown
routes, CORS preflights and errors are logged, counted and get the security
headers too:

- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` (URLs
  can carry feed tokens), ``X-Frame-Options: DENY``;
- ``Content-Security-Policy: default-src 'none'; frame-ancestors 'none'``: the
  API serves data, never pages to render. The interactive docs page (under
  ``/api/v1/docs``) loads its scripts from a CDN, so it gets only
  ``frame-ancestors 'none'``. The app's own pages (the web player, ``/watch``)
  bring a policy of their own through ``pages``: exact paths, nothing below them;
- ``Cache-Control: no-store`` on every response that does not choose its own
  caching (and always under ``/api/v1/auth``, which hands out credentials);
- ``Strict-Transport-Security`` only with ``hsts=True`` (``SECURE_COOKIE=true``:
  the operator says the server is reached over HTTPS only). Over plain HTTP a
  browser ignores it, and on a LAN setup served over HTTP it must not be sent
  through a proxy that later stops terminating TLS.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from .logs import redact_text
from .metrics import Metrics

__all__ = ["RequestContext"]

_log = structlog.get_logger("ktv.access")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
_CSP_API = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
_CSP_DOCS = (b"content-security-policy", b"frame-ancestors 'none'")
_NO_STORE = (b"cache-control", b"no-store")
#: One year; no includeSubDomains: other services of a self-hoster's domain may be HTTP.
_HSTS = (b"strict-transport-security", b"max-age=31536000")
_DOCS = "/api/v1/docs"
_AUTH = "/api/v1/auth/"
_QUIET = ("/api/v1/health/live", "/api/v1/health/ready", "/metrics")


class RequestContext:
    def __init__(self, app: ASGIApp, metrics: Metrics, *, hsts: bool = False,
                 pages: Mapping[str, bytes] | None = None) -> None:
        self.app = app
        self.metrics = metrics
        self.hsts = hsts
        #: Exact path -> the Content-Security-Policy of the page served there.
        self.pages = {path: (b"content-security-policy", csp)
                      for path, csp in (pages or {}).items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        http = scope
        request_id = ""
        for name, value in http["headers"]:
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                if _REQUEST_ID.fullmatch(candidate):
                    request_id = candidate
                break
        request_id = request_id or uuid.uuid4().hex
        # Taken before routing: the router replaces the path with its normalised form
        # ("/watch/" -> "/watch"), and a page's policy belongs to its exact path only.
        page_csp = self.pages.get(http["path"])
        status = 500
        start = time.perf_counter()

        async def send_with_context(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                self._secure(http["path"], headers, page_csp)
                message["headers"] = headers
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_context)
            finally:
                elapsed = time.perf_counter() - start
                route = http.get("path_template") or "<unmatched>"
                method = http["method"]
                self.metrics.observe(method, route, status, elapsed)
                path = http["path"]
                log = _log.debug if path in _QUIET and status < 400 else _log.info
                client = http.get("client")
                log("request", method=method, path=redact_text(path), status=status,
                    duration_ms=round(elapsed * 1000, 2),
                    client=client[0] if client else None)

    def _secure(self, path: str, headers: list[tuple[bytes, bytes]],
                page_csp: tuple[bytes, bytes] | None = None) -> None:
        """Add the security headers (see the module docstring) to a response's headers."""
        headers.extend(_HEADERS)
        docs = path == _DOCS or path.startswith(_DOCS + "/")
        headers.append(page_csp or (_CSP_DOCS if docs else _CSP_API))
        if path.startswith(_AUTH):
            headers[:] = [h for h in headers if h[0].lower() != b"cache-control"]
            headers.append(_NO_STORE)
        elif not any(name.lower() == b"cache-control" for name, _ in headers):
            headers.append(_NO_STORE)
        if self.hsts:
            headers.append(_HSTS)
