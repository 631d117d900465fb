"""Wiring of the IPTV outputs: what ``create_app`` adds for them, in one place."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from litestar.types import ControllerRouterHandler

from ktv_domain import Clock, CpuRunner, UnitOfWork

from ..channel_links import ChannelLinks
from ..onair import OnAir
from ..settings import Settings
from .guide import GuideService
from .jellyfin_routes import JellyfinController
from .outputs import Iptv
from .routes import BearerIptvController, FeedController

__all__ = ["api_route_handlers", "build_iptv", "root_route_handlers"]


def build_iptv(settings: Settings, uow: Callable[[], UnitOfWork], onair: OnAir, clock: Clock,
               links: ChannelLinks, cpu: CpuRunner,
               http: httpx.AsyncClient | None = None) -> Iptv:
    guide = GuideService(uow, onair, clock, guide_days=settings.guide_days,
                         fill_gaps=settings.guide_fill_gaps, cpu=cpu)
    return Iptv(uow, guide, links, tuner_count=(settings.hdhr_tuner_count
                                              or settings.stream_max_sessions),
                jellyfin_url=settings.jellyfin_base_url, jellyfin_key=settings.jellyfin_api_key,
                http=http)


def api_route_handlers() -> list[ControllerRouterHandler]:
    """Routes under ``/api/v1``."""
    return [BearerIptvController, JellyfinController]


def root_route_handlers() -> list[ControllerRouterHandler]:
    """Routes outside ``/api/v1`` (``/iptv/{token}/...``)."""
    return [FeedController]
