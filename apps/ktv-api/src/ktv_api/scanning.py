"""Wiring of library scans: which scanner the configured media source gets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from ktv_domain import Clock, MediaProvider, UnitOfWork
from ktv_jellyfin import JellyfinProvider
from ktv_localmedia import LocalLibrary

from .keeper import Leadership
from .library_scans import CatalogRefresh, LocalScans
from .settings import Settings
from .state import LibraryScanner

__all__ = ["scanner_for"]


def scanner_for(settings: Settings, media: MediaProvider | None, media_source: str | None,
                local: LocalLibrary | None, uow: Callable[[], UnitOfWork], clock: Clock,
                leadership: Leadership, *, poll: float = 2.0) -> LibraryScanner | None:
    """Local folders: scans on the leading replica; Jellyfin: catalog refreshes; another
    source (a test's fake): none."""
    if local is not None:
        minutes = settings.library_scan_interval_mins
        return LocalScans(local, uow, clock, leadership, poll=poll,
                          interval=timedelta(minutes=minutes) if minutes else None)
    if isinstance(media, JellyfinProvider):
        return CatalogRefresh(media.invalidate, media.catalog, uow, clock, media_source
                              or "jellyfin")
    return None
