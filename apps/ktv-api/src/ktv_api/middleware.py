"""The outermost ASGI layer: request ids, the access log line, metrics, security headers.

It wraps Litestar's whole handler (not a per-route middleware), so unknown
routes, CORS preflights and errors are logged and counted too.
"""

from __future__ import annotations

import re
import time
import uuid

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
_QUIET = ("/api/v1/health/live", "/api/v1/health/ready", "/metrics")


class RequestContext:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

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
        status = 500
        start = time.perf_counter()

        async def send_with_context(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(_HEADERS)
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
