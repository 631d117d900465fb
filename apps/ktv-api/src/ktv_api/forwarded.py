"""Proxy headers from trusted proxies only: ``X-Forwarded-For``, ``-Proto`` and ``-Host``.

The outermost ASGI layer. When the connecting peer is one of
``FORWARDED_ALLOW_IPS`` (addresses, networks, ``*``), the request's client
becomes the address the proxy saw (the right-most untrusted entry of
``X-Forwarded-For``), its scheme ``X-Forwarded-Proto`` and its ``Host``
``X-Forwarded-Host``; so ``request.base_url`` (and every absolute URL in the
IPTV documents when ``PUBLIC_BASE_URL`` is unset) is what the client used.
From any other peer the headers are ignored: nobody can make the server
print links to a host of their choosing. ``ktv serve`` turns uvicorn's own
proxy handling off, so the two never disagree.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

__all__ = ["ForwardedHeaders", "TrustedPeers"]

_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


class TrustedPeers:
    """Membership of a peer address in a list of addresses, networks, names or ``*``."""

    def __init__(self, entries: Sequence[str]) -> None:
        self.any = "*" in entries
        self._networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        self._literals: set[str] = set()
        for entry in entries:
            if entry == "*":
                continue
            try:
                self._networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self._literals.add(entry)

    def __contains__(self, host: object) -> bool:
        if not isinstance(host, str):
            return False
        if self.any or host in self._literals:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in net for net in self._networks)


def _first(value: bytes) -> str:
    return value.decode("latin-1").split(",")[0].strip()


class ForwardedHeaders:
    def __init__(self, app: ASGIApp, trusted: Sequence[str]) -> None:
        self.app = app
        self.trusted = TrustedPeers(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in (ScopeType.HTTP, ScopeType.WEBSOCKET):
            client = scope.get("client")
            if client and client[0] in self.trusted:
                self._apply(scope)
        await self.app(scope, receive, send)

    def _apply(self, scope: Scope) -> None:
        headers = list(scope["headers"])
        proto = host = None
        forwarded_for: list[str] = []
        for name, value in headers:
            if name == b"x-forwarded-proto":
                proto = _first(value).lower()
            elif name == b"x-forwarded-host":
                host = _first(value)
            elif name == b"x-forwarded-for":
                forwarded_for.extend(p.strip() for p in value.decode("latin-1").split(","))
        if proto in ("http", "https"):
            websocket = scope["type"] == ScopeType.WEBSOCKET
            scope["scheme"] = proto.replace("http", "ws") if websocket else proto
        if host and _HOST.fullmatch(host):
            replaced = [(k, v) for k, v in headers if k != b"host"]
            replaced.append((b"host", host.encode("latin-1")))
            scope["headers"] = replaced
        chain = [a for a in forwarded_for if a]
        for address in reversed(chain):
            if address not in self.trusted:
                scope["client"] = (address, 0)
                return
        if chain:  # every hop trusted: the first one is the client
            scope["client"] = (chain[0], 0)
