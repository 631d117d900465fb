"""What request handlers need, built once by the lifespan, and their dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from ktv_auth import OidcClient
from ktv_domain import AccessToken, Clock, MediaProvider, NotFound, ScanStatus, User
from ktv_domain.services import (
    AccountAdmin,
    ChannelService,
    LibraryService,
    ScheduleService,
    UserService,
)

from .channel_links import ChannelLinks
from .iptv.outputs import Iptv
from .local_files import LocalFiles
from .media_urls import MediaUrls
from .metrics import Metrics
from .onair import OnAir
from .security import Authenticator, RateLimiter, TokenVerifier
from .settings import Settings
from .signed_links import SignedLinks
from .streams import Streams

__all__ = ["CurrentUser", "FeedUser", "Ktv", "KtvDep", "LibraryScanner", "Readiness",
           "TokenService", "provide_feed_user", "provide_ktv", "provide_user"]


class TokenService(TokenVerifier, Protocol):
    def issue(self, user: User, *, signed_in_at: datetime | None = None) -> AccessToken: ...


class LibraryScanner(Protocol):
    """Scans of the media source (local folders) or refreshes of its catalog (Jellyfin):
    ask for one, read the current or last one's status (the same on every replica)."""

    async def status(self) -> ScanStatus: ...

    async def request(self) -> ScanStatus: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Readiness:
    ready: bool
    checks: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Ktv:
    settings: Settings
    clock: Clock
    metrics: Metrics
    users: UserService
    #: Account administration (``ktv user ...``, ``DELETE /auth/me``).
    accounts: AccountAdmin
    channels: ChannelService
    schedules: ScheduleService
    onair: OnAir
    auth: Authenticator
    tokens: TokenService
    limiter: RateLimiter
    media: MediaProvider | None
    media_source: str | None
    readiness: Callable[[], Awaitable[Readiness]]
    version: str
    #: Files of the local-folder library, for ``/media/{id}/stream`` (None: no local source).
    media_files: LocalFiles | None = None
    #: OpenID Connect sign-in (None when ``OIDC_ISSUER`` is not configured).
    oidc: OidcClient | None = None
    #: Library browsing over ``media`` (answers 503 without a media source).
    library: LibraryService = field(default_factory=lambda: LibraryService(None))
    #: Scans of the local library, refreshes of a Jellyfin catalog (None without a source).
    scanner: LibraryScanner | None = None
    #: Signs and checks the links of ``/media/{id}/stream``.
    media_urls: MediaUrls
    #: The channel streams (sessions, viewers).
    streams: Streams
    #: Signs and checks HLS segment links.
    hls_links: SignedLinks
    #: Signs and checks the stream and logo links of the Bearer IPTV documents.
    channel_links: ChannelLinks
    #: M3U, XMLTV, HDHomeRun, logos, Jellyfin registration.
    iptv: Iptv


def provide_ktv(state: State) -> Ktv:
    ktv: Ktv = state.ktv
    return ktv


async def provide_user(request: Request[Any, Any, Any], ktv: NamedDependency[Ktv]) -> User:
    """The caller, from ``Authorization: Bearer <token>``; 401 otherwise."""
    return await ktv.auth.user(request.headers.get("authorization"))


#: Rate-limit bucket of failed feed-token lookups (per client address).
FEED_LOOKUP_BUCKET = "feed-token-lookup"


async def provide_feed_user(request: Request[Any, Any, Any], token: FromPath[str],
                            ktv: NamedDependency[Ktv]) -> User:
    """The owner of the ``{token}`` path parameter (the IPTV and stream routes' caller).

    An unknown, revoked or malformed token is a 404 identical to an unknown
    route's: nothing tells a guesser whether a token ever existed. Failed
    lookups count against the client's address (``AUTH_RATE_LIMIT_PER_MINUTE``);
    over the limit every lookup from that address is a 429 until the window
    slides, even with a good token, so guessing costs a minute per few tries.
    """
    client = client_address(request)
    ktv.limiter.check(FEED_LOOKUP_BUCKET, client)
    try:
        return await ktv.users.resolve_feed_token(token)
    except NotFound:
        ktv.limiter.hit(FEED_LOOKUP_BUCKET, client)
        raise NotFoundException() from None


def client_address(request: Request[Any, Any, Any]) -> str:
    client = request.client
    return client.host if client else "unknown"


#: Handler parameter types: the app's services and the authenticated caller.
KtvDep = NamedDependency[Ktv]
CurrentUser = NamedDependency[User]
#: The owner of the route's ``{token}`` feed token (``Provide(provide_feed_user)``).
FeedUser = NamedDependency[User]
