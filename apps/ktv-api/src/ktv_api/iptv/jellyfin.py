"""Registering a user's channels in Jellyfin Live TV (``ktv jellyfin register``,
``POST /api/v1/iptv/jellyfin``).

What register does, in order:

1. reads Jellyfin's Live TV configuration (Jellyfin down: nothing has changed);
2. gives the user a fresh feed token named ``jellyfin`` (players holding other
   tokens are untouched; the previous ``jellyfin`` secret stops working);
3. saves our tuner (M3U by default, HDHomeRun with ``hdhomerun=True``) and our
   XMLTV listing provider, updating the entries that are ours instead of adding
   duplicates, and removes further entries of ours;
4. starts Jellyfin's guide refresh.

An entry is ours when its URL holds a K-TV feed token (``/iptv/ktvf_...``) that
belongs to this user, or one that no longer resolves at all (left over from an
earlier registration); another user's registration is never touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ktv_domain import User
from ktv_domain.services import UserService
from ktv_jellyfin import JellyfinLiveTv

from .outputs import FeedLinks

__all__ = ["JELLYFIN_TOKEN_NAME", "Registration", "mask_token", "register", "unregister"]

JELLYFIN_TOKEN_NAME = "jellyfin"
_OUR_URL = re.compile(r"/iptv/(ktvf_[A-Za-z0-9_-]{43})(?:/|$)")
Action = Literal["created", "updated", "removed"]


@dataclass(slots=True)
class Change:
    kind: str
    action: Action
    id: str
    url: str


@dataclass(slots=True)
class Registration:
    """What register or unregister did (URLs with the token masked)."""

    changes: list[Change] = field(default_factory=list)
    guide_refresh: bool = False


def mask_token(url: str) -> str:
    """``.../iptv/ktvf_abcd…/...``: enough to recognise, not enough to use."""
    return _OUR_URL.sub(lambda m: f"/iptv/{m[1][:9]}…" + ("/" if m[0].endswith("/") else ""),
                        url)


async def _ours(users: UserService, owner: User, url: str) -> bool:
    match = _OUR_URL.search(url)
    if match is None:
        return False
    stored = await users.find_feed_token(match[1])
    return stored is None or stored.user_id == owner.id


async def register(users: UserService, jellyfin: JellyfinLiveTv, owner: User, base: str, *,
                   hdhomerun: bool = False) -> Registration:
    tuners, listings = await jellyfin.configured()
    our_tuners = [t for t in tuners if await _ours(users, owner, t.url)]
    our_listings = [p for p in listings if p.type.lower() == "xmltv"
                    and await _ours(users, owner, p.path)]
    issued = await users.rotate_feed_token(owner.id, JELLYFIN_TOKEN_NAME)
    links = FeedLinks(base, issued.token)
    report = Registration()
    kind: Literal["m3u", "hdhomerun"] = "hdhomerun" if hdhomerun else "m3u"
    url = links.hdhr if hdhomerun else f"{links.root}/channels.m3u"
    keep = our_tuners[0].id if our_tuners else None
    tuner = await jellyfin.save_tuner_host(kind=kind, url=url, friendly_name="K-TV",
                                           tuner_id=keep)
    report.changes.append(Change(kind=f"tuner ({kind})", action="updated" if keep else "created",
                                 id=tuner.id, url=mask_token(url)))
    keep = our_listings[0].id if our_listings else None
    provider = await jellyfin.save_xmltv(path=links.guide, provider_id=keep)
    report.changes.append(Change(kind="listings (xmltv)",
                                 action="updated" if keep else "created", id=provider.id,
                                 url=mask_token(links.guide)))
    for extra in our_tuners[1:]:
        await jellyfin.delete_tuner_host(extra.id)
        report.changes.append(Change(kind=f"tuner ({extra.type})", action="removed",
                                     id=extra.id, url=mask_token(extra.url)))
    for extra_listing in our_listings[1:]:
        await jellyfin.delete_listing_provider(extra_listing.id)
        report.changes.append(Change(kind="listings (xmltv)", action="removed",
                                     id=extra_listing.id, url=mask_token(extra_listing.path)))
    report.guide_refresh = await jellyfin.refresh_guide()
    return report


async def unregister(users: UserService, jellyfin: JellyfinLiveTv, owner: User) -> Registration:
    """Remove our tuners and listing providers from Jellyfin, then revoke the token."""
    tuners, listings = await jellyfin.configured()
    report = Registration()
    for t in tuners:
        if await _ours(users, owner, t.url):
            await jellyfin.delete_tuner_host(t.id)
            report.changes.append(Change(kind=f"tuner ({t.type})", action="removed", id=t.id,
                                         url=mask_token(t.url)))
    for p in listings:
        if p.type.lower() == "xmltv" and await _ours(users, owner, p.path):
            await jellyfin.delete_listing_provider(p.id)
            report.changes.append(Change(kind="listings (xmltv)", action="removed", id=p.id,
                                         url=mask_token(p.path)))
    await users.revoke_feed_token(owner.id, JELLYFIN_TOKEN_NAME)
    return report
