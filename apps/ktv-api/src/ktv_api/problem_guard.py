"""An ASGI layer keeping two promises of the API for every response, whoever made it.

- **Every error is a problem body.** A response with status >= 400 that is not
  JSON (Litestar's refusal of a CORS preflight is ``text/plain``; a future
  middleware might answer HTML) is rewritten into an RFC 9457
  ``application/problem+json`` body with the same status and headers; a short
  plain-text message becomes its ``detail``.
- **``OPTIONS`` lists exactly the path's methods in ``Allow``.** Litestar's
  automatic ``OPTIONS`` answer lists the methods of the handler registered
  first for a path; the layer answers with every method of the path, read
  from the app's routes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

import msgspec
from litestar.enums import ScopeType
from litestar.routes import BaseRoute
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

from .problems import PROBLEM_JSON, Problem, title_for

__all__ = ["ProblemGuard"]

#: Bytes of a non-JSON error body kept to make the detail from (the rest is dropped).
_MAX_KEPT: Final = 4096
_JSON_TYPES: Final = (b"application/problem+json", b"application/json")
_DROPPED: Final = {b"content-type", b"content-length", b"transfer-encoding"}


class ProblemGuard:
    def __init__(self, app: ASGIApp, routes: Callable[[], Iterable[BaseRoute]]) -> None:
        self.app = app
        self._routes = routes
        self._methods: dict[str, str] | None = None
        self._route_count = -1

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        held: HTTPResponseStartEvent | None = None
        kept = bytearray()

        async def guarded_send(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                if scope["method"] == "OPTIONS" and status < 300:
                    self._fix_allow(scope, headers)
                    message["headers"] = headers
                if status >= 400 and not _is_json(headers):
                    held = {"type": "http.response.start", "status": status,
                            "headers": headers}
                    return
                await send(message)
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            room = _MAX_KEPT - len(kept)
            if room > 0:
                kept.extend(message.get("body", b"")[:room])
            if not message.get("more_body", False):
                start, held = held, None
                await _send_problem(start, bytes(kept), scope["method"] == "HEAD", send)

        await self.app(scope, receive, guarded_send)

    def _fix_allow(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> None:
        template = scope.get("path_template")
        if not template or not any(name.lower() == b"allow" for name, _ in headers):
            return
        allow = self._allow_map().get(template)
        if allow is not None:
            headers[:] = [(n, v) for n, v in headers if n.lower() != b"allow"]
            headers.append((b"allow", allow.encode()))

    def _allow_map(self) -> dict[str, str]:
        routes = list(self._routes())
        if self._methods is None or len(routes) != self._route_count:
            methods: dict[str, set[str]] = {}
            for route in routes:
                methods.setdefault(route.path_format, set()).update(str(m) for m in route.methods)
            self._methods = {path: ", ".join(sorted(m)) for path, m in methods.items()}
            self._route_count = len(routes)
        return self._methods


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name.lower() == b"content-type":
            return value.split(b";")[0].strip().lower() in _JSON_TYPES
    return False


async def _send_problem(start: HTTPResponseStartEvent, original: bytes, head: bool,
                        send: Send) -> None:
    status = start["status"]
    detail = title_for(status)
    text = original.decode("utf-8", "replace").strip()
    if text and len(text) <= 200 and "<" not in text and text.isprintable():
        detail = text
    body = msgspec.json.encode(Problem(title=title_for(status), status=status, detail=detail))
    headers = [(n, v) for n, v in start.get("headers", []) if n.lower() not in _DROPPED]
    headers += [(b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body,
                "more_body": False})
