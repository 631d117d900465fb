"""Wire types of the Jellyfin Live TV registration."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from .base import Request, Response

__all__ = ["JellyfinChangeOut", "JellyfinIn", "JellyfinOut"]


class JellyfinIn(Request):
    #: Whose channels (an account's email); default: the caller's. (Not ``user``: Litestar
    #: would take a field error at ``$.user`` for one of the ``user`` dependency's.)
    email: Annotated[str, msgspec.Meta(max_length=1024, examples=["you@example.com"])] | None \
        = None
    #: Which tuner to register: the M3U playlist, or the emulated HDHomeRun.
    tuner: Literal["m3u", "hdhomerun"] = "m3u"


class JellyfinChangeOut(Response):
    kind: str
    action: str
    id: str
    #: The URL given to Jellyfin, its token shortened.
    url: str


class JellyfinOut(Response):
    changes: list[JellyfinChangeOut]
    guide_refresh_started: bool
