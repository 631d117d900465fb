"""``/auth/feed-tokens``: a user's named IPTV feed tokens (list, create, revoke).

``POST``/``DELETE /auth/feed-token`` (in :mod:`.auth`) keep working on the
token named ``default``.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.di import Provide
from litestar.params import FromPath, JSONBody

from ..dto.auth import FeedTokenIn, FeedTokenInfoOut, FeedTokenOut
from ..iptv.routes import absolute_base
from ..problems import problem_responses
from ..state import CurrentUser, KtvDep, client_address, provide_user
from .auth import BEARER

__all__ = ["FeedTokensController"]


class FeedTokensController(Controller):
    path = "/auth/feed-tokens"
    tags = ["auth"]
    security = BEARER
    dependencies = {"user": Provide(provide_user)}

    @get("/", summary="Your IPTV feed tokens (names and times, never the secrets)",
         responses=problem_responses(401))
    async def list_tokens(self, user: CurrentUser, ktv: KtvDep) -> list[FeedTokenInfoOut]:
        return [FeedTokenInfoOut.of(t) for t in await ktv.users.list_feed_tokens(user.id)]

    @post("/", summary="Create a named IPTV feed token", status_code=201,
          responses=problem_responses(400, 401, 409, 422, 429))
    async def create_token(self, request: Request[Any, Any, Any], data: JSONBody[FeedTokenIn],
                           user: CurrentUser, ktv: KtvDep) -> FeedTokenOut:
        """The secret is in this response only, with the M3U, XMLTV and HDHomeRun URLs
        that carry it. 409 when you already have a token of that name (or 20 tokens)."""
        ktv.limiter.hit("feed-token", client_address(request))
        issued = await ktv.users.create_feed_token(user.id, data.name)
        return FeedTokenOut.of(issued, absolute_base(request, ktv))

    @delete("/{token_id:uuid}", summary="Revoke one of your feed tokens", status_code=204,
            responses=problem_responses(400, 401, 404))
    async def delete_token(self, token_id: FromPath[uuid.UUID], user: CurrentUser,
                           ktv: KtvDep) -> None:
        """Its URLs stop working at once; the other tokens are untouched."""
        await ktv.users.delete_feed_token(user.id, token_id)
