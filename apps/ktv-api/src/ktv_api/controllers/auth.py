"""``/auth``: registration, password login, the caller's account, fresh tokens, feed tokens.

Every route that hands out a credential is rate-limited per client address.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.di import Provide
from litestar.params import JSONBody

from ..dto.auth import (
    AccountDeletion,
    Credentials,
    FeedTokenOut,
    Registration,
    TokenOut,
    UserOut,
)
from ..problems import problem_responses
from ..state import CurrentUser, KtvDep, client_address, provide_user

__all__ = ["AuthController"]

BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/register", summary="Create an account and get a token", status_code=201,
          responses=problem_responses(400, 403, 409, 422, 429))
    async def register(self, request: Request[Any, Any, Any], data: JSONBody[Registration],
                       ktv: KtvDep) -> TokenOut:
        """The first account on a server is an admin. 403 when registration is closed."""
        ktv.limiter.hit("register", client_address(request))
        user = await ktv.users.register(data.email, data.password)
        return TokenOut.of(ktv.tokens.issue(user))

    @post("/login", summary="Log in with email and password", status_code=200,
          responses=problem_responses(400, 401, 422, 429))
    async def login(self, request: Request[Any, Any, Any], data: JSONBody[Credentials],
                    ktv: KtvDep) -> TokenOut:
        """A wrong email and a wrong password get the same 401."""
        ktv.limiter.hit("login", client_address(request))
        user = await ktv.users.authenticate(data.email, data.password)
        return TokenOut.of(ktv.tokens.issue(user))

    @post("/logout", summary="Log out (the client discards its token)", status_code=200)
    async def logout(self) -> dict[str, str]:
        """Tokens are stateless: the client forgets its token; it expires on its own."""
        return {"status": "logged out"}

    @get("/me", summary="The caller's account", security=BEARER,
         dependencies={"user": Provide(provide_user)}, responses=problem_responses(401))
    async def me(self, user: CurrentUser) -> UserOut:
        return UserOut.of(user)

    @post("/token", summary="A fresh token for the caller", status_code=200, security=BEARER,
          dependencies={"user": Provide(provide_user)}, responses=problem_responses(401, 429))
    async def token(self, request: Request[Any, Any, Any], user: CurrentUser,
                    ktv: KtvDep) -> TokenOut:
        """The new token keeps the sign-in time of the one presented (a refresh is not a
        sign-in)."""
        ktv.limiter.hit("token", client_address(request))
        claims = ktv.auth.claims(request.headers.get("authorization"))
        return TokenOut.of(ktv.tokens.issue(user, signed_in_at=claims.signed_in_at))

    @delete("/me", summary="Delete your own account", status_code=204, security=BEARER,
            dependencies={"user": Provide(provide_user)},
            responses=problem_responses(400, 401, 403, 422, 429))
    async def delete_me(self, request: Request[Any, Any, Any], user: CurrentUser,
                        ktv: KtvDep, data: JSONBody[AccountDeletion | None] = None) -> None:
        """Deletes the caller's account with its channels, schedules and feed token; its
        tokens stop working at once. An account with a password must send it (403 when it
        is missing or not right); an account that signs in only through single
        sign-on must have signed in within the last 10 minutes (else 403: sign in again).
        Attempts are rate-limited like logins."""
        ktv.limiter.hit("delete-account", client_address(request))
        claims = ktv.auth.claims(request.headers.get("authorization"))
        await ktv.accounts.delete_own(user, password=data.password if data else None,
                                      signed_in_at=claims.signed_in_at)

    @post("/feed-token", summary="Create or rotate your default IPTV feed token",
          status_code=201,
          security=BEARER, dependencies={"user": Provide(provide_user)},
          responses=problem_responses(401, 409, 429))
    async def create_feed_token(self, request: Request[Any, Any, Any], user: CurrentUser,
                                ktv: KtvDep) -> FeedTokenOut:
        """A new secret for your token named `default`, shown only in this response, with
        the M3U, XMLTV and HDHomeRun URLs that carry it (absolute, from `PUBLIC_BASE_URL`
        when set, else from this request). The previous `default` secret stops working at
        once; your other named tokens (`/auth/feed-tokens`) are untouched. IPTV players,
        Plex and Jellyfin use these URLs without any other credential: treat them as
        passwords."""
        ktv.limiter.hit("feed-token", client_address(request))
        issued = await ktv.users.rotate_feed_token(user.id)
        base = ktv.settings.public_base_url or str(request.base_url).rstrip("/")
        return FeedTokenOut.of(issued, base)

    @delete("/feed-token", summary="Revoke your default IPTV feed token", status_code=204,
            security=BEARER, dependencies={"user": Provide(provide_user)},
            responses=problem_responses(401))
    async def revoke_feed_token(self, user: CurrentUser, ktv: KtvDep) -> None:
        """Its URLs stop working at once. 204 also when there was none."""
        await ktv.users.revoke_feed_token(user.id)
