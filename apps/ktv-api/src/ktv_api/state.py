"""What request handlers need, built once by the lifespan, and their dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency

from ktv_domain import AccessToken, Clock, MediaProvider, User
from ktv_domain.services import ChannelService, ScheduleService, UserService

from .metrics import Metrics
from .onair import OnAir
from .security import Authenticator, RateLimiter, TokenVerifier
from .settings import Settings

__all__ = ["CurrentUser", "Ktv", "KtvDep", "Readiness", "TokenService", "provide_ktv",
           "provide_user"]


class TokenService(TokenVerifier, Protocol):
    def issue(self, user: User) -> AccessToken: ...


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


def provide_ktv(state: State) -> Ktv:
    ktv: Ktv = state.ktv
    return ktv


async def provide_user(request: Request[Any, Any, Any], ktv: NamedDependency[Ktv]) -> User:
    """The caller, from ``Authorization: Bearer <token>``; 401 otherwise."""
    return await ktv.auth.user(request.headers.get("authorization"))


def client_address(request: Request[Any, Any, Any]) -> str:
    client = request.client
    return client.host if client else "unknown"


#: Handler parameter types: the app's services and the authenticated caller.
KtvDep = NamedDependency[Ktv]
CurrentUser = NamedDependency[User]
