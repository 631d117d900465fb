"""A test-only app mounting the feed-token dependency, until real IPTV routes exist.

It shares the running app's services (``api.ktv``: same store, same limiter),
has the same exception handlers and the same outer request layer, and serves
``GET /iptv/{token}/probe`` (the caller's id and email) and ``GET /boom`` (a 500).
"""

from __future__ import annotations

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.di import Provide

from api.helpers import Api
from ktv_api.metrics import Metrics
from ktv_api.middleware import RequestContext
from ktv_api.problems import exception_handlers
from ktv_api.state import FeedUser, provide_feed_user, provide_ktv


@get("/iptv/{token:str}/probe", dependencies={"user": Provide(provide_feed_user)})
async def probe(user: FeedUser) -> dict[str, str]:
    return {"user_id": str(user.id), "email": str(user.email)}


@get("/boom")
async def boom() -> None:
    raise RuntimeError("an unexpected failure")


def feed_probe(api: Api, *, hsts: bool = False) -> Litestar:
    app = Litestar(route_handlers=[probe, boom], state=State({"ktv": api.ktv}),
                   dependencies={"ktv": Provide(provide_ktv, sync_to_thread=False)},
                   exception_handlers=exception_handlers, logging_config=None, debug=False)
    app.asgi_handler = RequestContext(app.asgi_handler, Metrics(), hsts=hsts)
    return app
