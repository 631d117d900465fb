"""``POST``/``DELETE /api/v1/iptv/jellyfin``: register K-TV in Jellyfin Live TV (admin)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, post
from litestar.di import Provide
from litestar.params import JSONBody, QueryParameter

from ktv_domain import Forbidden, User

from ..controllers.auth import BEARER
from ..dto.iptv import JellyfinChangeOut, JellyfinIn, JellyfinOut
from ..problems import problem_responses
from ..state import CurrentUser, Ktv, KtvDep, provide_user
from .jellyfin import Registration, register, unregister
from .routes import absolute_base

__all__ = ["JellyfinController"]



def _out(report: Registration) -> JellyfinOut:
    return JellyfinOut(changes=[JellyfinChangeOut(kind=c.kind, action=c.action, id=c.id,
                                                  url=c.url) for c in report.changes],
                       guide_refresh_started=report.guide_refresh)


async def _target(ktv: Ktv, caller: User, email: str | None) -> User:
    if not caller.is_admin:
        raise Forbidden("only an administrator can register K-TV in Jellyfin")
    return caller if email is None else await ktv.users.by_email(email)


class JellyfinController(Controller):
    path = "/iptv/jellyfin"
    tags = ["iptv"]
    security = BEARER
    dependencies = {"user": Provide(provide_user)}

    @post("/", summary="Register (or update) K-TV's tuner and guide in Jellyfin Live TV",
          status_code=200, responses=problem_responses(400, 401, 403, 404, 422, 503))
    async def register(self, request: Request[Any, Any, Any], data: JSONBody[JellyfinIn],
                       user: CurrentUser, ktv: KtvDep) -> JellyfinOut:
        """Admin only. Posts an M3U tuner (or HDHomeRun with `tuner: "hdhomerun"`) and an XMLTV
        listing provider to the Jellyfin of `JELLYFIN_BASE_URL`, with URLs carrying the
        user's feed token named `jellyfin` (renewed on each run); entries registered
        before are updated, not duplicated; then starts Jellyfin's guide refresh. Jellyfin
        fetches the URLs it is given, so they must be reachable from it (set
        `PUBLIC_BASE_URL`). 503 when Jellyfin is not configured, down or refuses."""
        owner = await _target(ktv, user, data.email)
        async with ktv.iptv.jellyfin() as jellyfin:
            report = await register(ktv.users, jellyfin, owner, absolute_base(request, ktv),
                                    hdhomerun=data.tuner == "hdhomerun")
        return _out(report)

    @delete("/", summary="Remove K-TV's tuner and guide from Jellyfin Live TV",
            status_code=200, responses=problem_responses(400, 401, 403, 404, 422, 503))
    async def unregister(self, user: CurrentUser, ktv: KtvDep,
                         email: Annotated[str | None, QueryParameter(max_length=1024)] = None,
                         ) -> JellyfinOut:
        """Admin only. Removes the tuners and listing providers registered for the user
        (`?email=`, default the caller) and revokes their `jellyfin` feed token."""
        owner = await _target(ktv, user, email)
        async with ktv.iptv.jellyfin() as jellyfin:
            report = await unregister(ktv.users, jellyfin, owner)
        return _out(report)
