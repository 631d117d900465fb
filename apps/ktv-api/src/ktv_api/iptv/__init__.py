"""IPTV outputs: M3U, XMLTV, HDHomeRun, logos, Jellyfin Live TV registration.

The routes and their wiring live in :mod:`.wiring` (imported by ``create_app``);
this package's top level holds only what ``state`` needs, to keep imports acyclic.
"""

from .guide import GuideService
from .outputs import FeedLinks, Iptv, SignedLinks

__all__ = ["FeedLinks", "GuideService", "Iptv", "SignedLinks"]
