"""A real OIDC provider and a real K-TV server on loopback, and a browser stand-in.

The provider is ``oidc-provider-mock`` (Authlib's OpenID Connect server on
Flask/werkzeug) in a thread; K-TV is ``create_app`` served by uvicorn in this
event loop on a free port. :func:`sign_in` drives the authorization code flow
the way a browser does: follow K-TV's redirect to the provider, submit its
consent form, follow the provider's redirect back to K-TV's callback.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn
import werkzeug.serving

from ktv_api import Overrides, create_app, load_settings
from ktv_api.state import Ktv
from ktv_auth import Argon2PasswordHasher

CLIENT_ID = "k-tv"
CLIENT_SECRET = "k-tv-client-secret"
JWT_SECRET = "oidc-tests-jwt-secret-0123456789-abcdefgh"
COOKIE_SECRET = "oidc-tests-cookie-secret-" + "c" * 48
HASHER = Argon2PasswordHasher.fast_for_tests()
START_TIMEOUT = 15.0


@dataclass
class ShiftedClock:
    """The wall clock (the provider stamps real times into its tokens), moved by ``offset``."""

    offset: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def reserve_port() -> socket.socket:
    """A loopback socket bound to a port of the kernel's choosing and not listening:
    connections to it are refused, and no other process can take its port until it is
    handed to a server (``provider(sock=...)``) or closed."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def provider(*, sock: socket.socket | None = None) -> Iterator[str]:
    """A running provider on ``sock`` (default: a new port); yields its issuer URL
    (``http://localhost:<port>``)."""
    with warnings.catch_warnings():
        # Imported here, quietly: Authlib deprecates the APIs this provider is built on.
        # (authlib.deprecate installs an "always" filter of its own when imported).
        import authlib.deprecate  # type: ignore[import-untyped]  # noqa: F401

        warnings.simplefilter("ignore")
        from oidc_provider_mock import app as provider_app
    own = sock is None
    if sock is None:
        sock = reserve_port()
    sock.listen()
    server = werkzeug.serving.make_server("127.0.0.1", 0, provider_app(), threaded=True,
                                          fd=sock.fileno())
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
        if own:
            sock.close()


async def set_user(issuer: str, sub: str, claims: Mapping[str, object]) -> None:
    """Give the provider's user ``sub`` these claims (its ``PUT /users/<sub>`` API)."""
    async with httpx.AsyncClient(trust_env=False) as client:
        r = await client.put(f"{issuer}/users/{sub}", json=dict(claims))
        assert r.status_code == 204, r.text


@dataclass
class Ktvd:
    """A running K-TV server."""

    base_url: str
    server: uvicorn.Server
    clock: ShiftedClock
    app_state: Ktv

    @property
    def callback_url(self) -> str:
        return f"{self.base_url}/api/v1/auth/callback"


@asynccontextmanager
async def ktv_server(tmp_path: Path, issuer: str, *, env: Mapping[str, str] | None = None,
                     clock: ShiftedClock | None = None) -> AsyncIterator[Ktvd]:
    """K-TV over a fresh SQLite file, configured for ``issuer``, served by uvicorn on a
    socket bound here first (port 0), so the callback URL names a port that is ours."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    values = {"JWT_SECRET": JWT_SECRET, "COOKIE_SECRET": COOKIE_SECRET,
              "DATABASE_URL": f"sqlite:{tmp_path / f'ktv-{port}.db'}",
              "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
              "OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": CLIENT_ID,
              "OIDC_CLIENT_SECRET": CLIENT_SECRET,
              "OIDC_REDIRECT_URL": f"{base_url}/api/v1/auth/callback", **(env or {})}
    values = {k: v for k, v in values.items() if v}
    clock = clock or ShiftedClock()
    app = create_app(load_settings(values, env_file=None),
                     overrides=Overrides(clock=clock, hasher=HASHER),
                     keeper=False, sync_interval=3600)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           lifespan="on", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if task.done():
            task.result()
            raise AssertionError("uvicorn stopped before it started")
        if time.monotonic() > deadline:
            raise AssertionError("K-TV did not start in time")
        await asyncio.sleep(0.02)
    try:
        yield Ktvd(base_url=base_url, server=server, clock=clock, app_state=app.state.ktv)
    finally:
        server.should_exit = True
        await task
        sock.close()


def browser() -> httpx.AsyncClient:
    """A cookie-keeping client that follows no redirect on its own."""
    return httpx.AsyncClient(follow_redirects=False, trust_env=False, timeout=10.0)


@dataclass
class Flow:
    """A sign-in in progress: K-TV's answer to ``/login/oidc`` and the authorize URL."""

    login: httpx.Response
    authorize_url: str

    @property
    def params(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.authorize_url).query).items()}


async def start(client: httpx.AsyncClient, ktv: Ktvd) -> Flow:
    r = await client.get(f"{ktv.base_url}/api/v1/auth/login/oidc")
    assert r.status_code == 302, r.text
    return Flow(login=r, authorize_url=r.headers["location"])


async def consent(client: httpx.AsyncClient, authorize_url: str, sub: str | None,
                  ) -> str:
    """Submit the provider's consent form (as ``sub``, or deny when None); the URL the
    provider sends the browser back to."""
    form = {"sub": sub} if sub is not None else {"action": "deny"}
    r = await client.post(authorize_url, data=form)
    assert r.status_code == 302, r.text
    location: str = r.headers["location"]
    return location


async def sign_in(client: httpx.AsyncClient, ktv: Ktvd, sub: str,
                  edit: Callable[[str], str] | None = None) -> httpx.Response:
    """The whole flow as ``sub``; K-TV's answer to the callback. ``edit`` may change the
    authorize URL on its way to the provider (an attacker in the browser)."""
    flow = await start(client, ktv)
    url = edit(flow.authorize_url) if edit else flow.authorize_url
    callback = await consent(client, url, sub)
    assert callback.startswith(ktv.callback_url), callback
    return await client.get(callback)


def fragment(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).fragment).items()}
