"""Wire types of the Jellyfin Live TV registration."""

from __future__ import annotations

from typing import Annotated

import msgspec

from .base import Request, Response

__all__ = ["JellyfinChangeOut", "JellyfinIn", "JellyfinOut"]


class JellyfinIn(Request):
    #: Whose channels (an account's email); default: the caller's.
    user: Annotated[str, msgspec.Meta(max_length=1024, examples=["you@example.com"])] | None \
        = None
    #: Register an HDHomeRun tuner instead of the M3U tuner.
    hdhomerun: bool = False


class JellyfinChangeOut(Response):
    kind: str
    action: str
    id: str
    #: The URL given to Jellyfin, its token shortened.
    url: str


class JellyfinOut(Response):
    changes: list[JellyfinChangeOut]
    guide_refresh_started: bool
