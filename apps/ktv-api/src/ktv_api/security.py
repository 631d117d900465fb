"""Who is calling: bearer-token authentication and per-client rate limits."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from ktv_domain import AuthenticationFailed, Clock, NotFound, User, UserId
from ktv_domain.services import UserService

from .problems import RateLimited

__all__ = ["Authenticator", "RateLimiter", "TokenVerifier"]


class _Claims(Protocol):
    @property
    def user_id(self) -> UserId: ...

    @property
    def expires_at(self) -> datetime: ...

    @property
    def signed_in_at(self) -> datetime: ...


class TokenVerifier(Protocol):
    def verify(self, token: str) -> _Claims:
        """The token's claims; AuthenticationFailed when it is not valid."""


class Authenticator:
    """Turns an ``Authorization`` header into the user it belongs to.

    Verified users are remembered for ``ttl`` seconds so the hot paths do not
    query the database per request; a user deleted through this process (through
    ``users.delete``, which tells every listener) is forgotten at once, one deleted
    by another process or replica within ``ttl``. When a user's entry expires,
    concurrent requests share one database read.

    With a ``clock`` (the one the tokens are checked against), verified tokens
    are remembered too, for ``ttl`` seconds of ``monotonic`` and only while the
    clock reads from the time of the verification up to the token's expiry: in
    that span the verifier would accept the same string again, so skipping the
    signature and claim checks changes no answer.
    """

    def __init__(self, tokens: TokenVerifier, users: UserService, *, ttl: float = 10.0,
                 monotonic: Callable[[], float] = time.monotonic,
                 clock: Clock | None = None, max_entries: int = 10_000) -> None:
        self._tokens = tokens
        self._users = users
        self._ttl = ttl
        self._monotonic = monotonic
        self._clock = clock
        self._max_entries = max_entries
        self._cache: dict[UserId, tuple[float, User]] = {}
        self._loading: dict[UserId, asyncio.Task[User]] = {}
        #: token -> (monotonic deadline, clock reading at verification, claims)
        self._verified: dict[str, tuple[float, datetime, _Claims]] = {}
        users.on_delete(self.forget)

    def claims(self, authorization: str | None) -> _Claims:
        """The verified claims of ``Authorization: Bearer <token>``; AuthenticationFailed
        otherwise."""
        if not authorization:
            raise AuthenticationFailed("missing bearer token")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed("expected 'Authorization: Bearer <token>'")
        return self._verify(token.strip(), self._monotonic())

    async def user(self, authorization: str | None) -> User:
        claims = self.claims(authorization)
        now = self._monotonic()
        hit = self._cache.get(claims.user_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            user = await self._load(claims.user_id)
        except NotFound:
            self.forget(claims.user_id)
            raise AuthenticationFailed("the account of this token no longer exists") from None
        if len(self._cache) > self._max_entries:
            self._cache.clear()
        self._cache[user.id] = (now + self._ttl, user)
        return user

    def _verify(self, token: str, now: float) -> _Claims:
        if self._clock is None:
            return self._tokens.verify(token)
        wall = self._clock.now()
        hit = self._verified.get(token)
        if hit is not None and hit[0] > now and hit[1] <= wall < hit[2].expires_at:
            return hit[2]
        claims = self._tokens.verify(token)
        if wall < claims.expires_at:
            if len(self._verified) > self._max_entries:
                self._verified.clear()
            self._verified[token] = (now + self._ttl, wall, claims)
        return claims

    async def _load(self, user_id: UserId) -> User:
        """The user from the database; one read shared by concurrent callers."""
        task = self._loading.get(user_id)
        if task is None:
            task = asyncio.ensure_future(self._users.get(user_id))
            self._loading[user_id] = task
            task.add_done_callback(lambda t: self._settled(user_id, t))
        # Shielded: a caller that goes away does not cancel the others' read.
        return await asyncio.shield(task)

    def _settled(self, user_id: UserId, task: asyncio.Task[User]) -> None:
        if self._loading.get(user_id) is task:
            del self._loading[user_id]
        if not task.cancelled():
            task.exception()  # retrieved: no "never retrieved" warning if all callers left

    def forget(self, user_id: UserId) -> None:
        self._cache.pop(user_id, None)
        for token in [t for t, (_, _, c) in self._verified.items() if c.user_id == user_id]:
            del self._verified[token]


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
        self._refuse_when_full(hits, now)
        hits.append(now)

    def check(self, bucket: str, client: str) -> None:
        """RateLimited when the client is over the limit, counting nothing.

        For limits on failures only: ``check`` before the attempt, ``hit`` when
        it failed (a feed-token lookup), so successes never use up the budget.
        """
        hits = self._hits.get((bucket, client))
        if hits is not None:
            self._refuse_when_full(hits, self._monotonic())

    def _refuse_when_full(self, hits: deque[float], now: float) -> None:
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            raise RateLimited(max(1, math.ceil(hits[0] + self.window - now)))

    def _prune(self, now: float) -> None:
        for key, hits in list(self._hits.items()):
            if not hits or hits[-1] <= now - self.window:
                del self._hits[key]
        if len(self._hits) >= self._max_clients:
            self._hits.clear()  # under a flood, forget rather than grow without bound
