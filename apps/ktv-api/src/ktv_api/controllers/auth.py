"""``/auth``: registration, password login, the caller's account, fresh tokens."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import JSONBody

from ..dto.auth import Credentials, TokenOut, UserOut
from ..problems import problem_responses
from ..state import CurrentUser, KtvDep, client_address, provide_user

__all__ = ["AuthController"]

BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/register", summary="Create an account and get a token", status_code=201,
          responses=problem_responses(400, 403, 409, 422, 429))
    async def register(self, request: Request[Any, Any, Any], data: JSONBody[Credentials],
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
          dependencies={"user": Provide(provide_user)}, responses=problem_responses(401))
    async def token(self, user: CurrentUser, ktv: KtvDep) -> TokenOut:
        return TokenOut.of(ktv.tokens.issue(user))
