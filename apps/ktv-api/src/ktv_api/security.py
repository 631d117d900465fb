"""Who is calling: bearer-token authentication and per-client rate limits."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from ktv_domain import AuthenticationFailed, NotFound, User, UserId
from ktv_domain.services import UserService

from .problems import RateLimited

__all__ = ["Authenticator", "RateLimiter", "TokenVerifier"]


class _Claims(Protocol):
    @property
    def user_id(self) -> UserId: ...


class TokenVerifier(Protocol):
    def verify(self, token: str) -> _Claims:
        """The token's claims; AuthenticationFailed when it is not valid."""


class Authenticator:
    """Turns an ``Authorization`` header into the user it belongs to.

    Verified users are remembered for ``ttl`` seconds so the hot paths do not
    query the database per request; a user deleted through this process is
    forgotten at once, one deleted elsewhere within ``ttl``.
    """

    def __init__(self, tokens: TokenVerifier, users: UserService, *, ttl: float = 10.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._tokens = tokens
        self._users = users
        self._ttl = ttl
        self._monotonic = monotonic
        self._cache: dict[UserId, tuple[float, User]] = {}

    async def user(self, authorization: str | None) -> User:
        if not authorization:
            raise AuthenticationFailed("missing bearer token")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed("expected 'Authorization: Bearer <token>'")
        claims = self._tokens.verify(token.strip())
        now = self._monotonic()
        hit = self._cache.get(claims.user_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            user = await self._users.get(claims.user_id)
        except NotFound:
            self._cache.pop(claims.user_id, None)
            raise AuthenticationFailed("the account of this token no longer exists") from None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[user.id] = (now + self._ttl, user)
        return user

    def forget(self, user_id: UserId) -> None:
        self._cache.pop(user_id, None)


class RateLimiter:
    """At most ``limit`` attempts per client and bucket in any ``window`` seconds."""

    def __init__(self, limit: int, window: float = 60.0, *,
                 monotonic: Callable[[], float] = time.monotonic,
                 max_clients: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self._monotonic = monotonic
        self._max_clients = max_clients
        self._hits: dict[tuple[str, str], deque[float]] = {}

    def hit(self, bucket: str, client: str) -> None:
        """Count an attempt; RateLimited (with the seconds to wait) when over the limit."""
        now = self._monotonic()
        hits = self._hits.get((bucket, client))
        if hits is None:
            if len(self._hits) >= self._max_clients:
                self._prune(now)
            hits = self._hits[(bucket, client)] = deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            raise RateLimited(max(1, math.ceil(hits[0] + self.window - now)))
        hits.append(now)

    def _prune(self, now: float) -> None:
        for key, hits in list(self._hits.items()):
            if not hits or hits[-1] <= now - self.window:
                del self._hits[key]
        if len(self._hits) >= self._max_clients:
            self._hits.clear()  # under a flood, forget rather than grow without bound
