"""``ktv jellyfin register|unregister``: K-TV's tuner and guide in Jellyfin Live TV.

Runs beside ``ktv serve`` on the same database: it gives the user a feed token
named ``jellyfin`` and posts URLs under ``PUBLIC_BASE_URL`` (or ``--base-url``)
to the Jellyfin of ``JELLYFIN_BASE_URL``/``JELLYFIN_API_KEY``; Jellyfin then
fetches them from the running server. See :mod:`ktv_api.iptv.jellyfin`.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

import httpx

from ktv_auth import Argon2PasswordHasher
from ktv_domain import DomainError, User
from ktv_domain.services import UserService
from ktv_jellyfin import JellyfinLiveTv
from ktv_sql import SqlUnitOfWorkFactory, create_engine

from .app import SystemClock
from .iptv.jellyfin import Registration, register, unregister
from .settings import Settings

__all__ = ["add_parser", "run_jellyfin"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    jellyfin = sub.add_parser(
        "jellyfin", help="register K-TV's channels in Jellyfin Live TV (or remove them)",
        description="Post K-TV's tuner (M3U, or HDHomeRun) and XMLTV guide to the Jellyfin "
        "server of JELLYFIN_BASE_URL/JELLYFIN_API_KEY, with URLs under PUBLIC_BASE_URL that "
        "carry the user's own feed token named 'jellyfin'. Run it again to update; "
        "'unregister' removes them. `ktv serve` must be running: Jellyfin fetches the URLs.")
    actions = jellyfin.add_subparsers(dest="action", required=True, metavar="ACTION")
    reg = actions.add_parser("register", help="add or update the tuner and the guide",
                             description="Add, or update, K-TV's tuner and XMLTV guide in "
                             "Jellyfin, then start Jellyfin's guide refresh.")
    reg.add_argument("--hdhomerun", action="store_true",
                     help="register an HDHomeRun tuner instead of the M3U tuner")
    unreg = actions.add_parser("unregister", help="remove the tuner and the guide",
                               description="Remove the tuners and guides this user "
                               "registered, and revoke their 'jellyfin' feed token.")
    for p in (reg, unreg):
        p.add_argument("--user", metavar="EMAIL",
                       help="whose channels (default: the first administrator account)")
        p.add_argument("--base-url", metavar="URL",
                       help="where Jellyfin reaches K-TV (default: PUBLIC_BASE_URL)")


def _print(report: Registration, owner: User) -> None:
    print(f"Jellyfin Live TV for {owner.email}:")
    for c in report.changes:
        print(f"  {c.action:<8} {c.kind:<18} {c.id}  {c.url}")
    if not report.changes:
        print("  nothing registered")
    if report.guide_refresh:
        print("  guide refresh started")


async def run_jellyfin(settings: Settings, args: argparse.Namespace, *,
                       http: httpx.AsyncClient | None = None) -> int:
    """The command; ``http`` is the client to reach Jellyfin with (default: a new one)."""
    base = (args.base_url or settings.public_base_url or "").rstrip("/")
    if args.action == "register" and not base.startswith(("http://", "https://")):
        print("ktv: set PUBLIC_BASE_URL (or pass --base-url): the address Jellyfin reaches "
              "K-TV at, e.g. http://192.168.1.10:3000", file=sys.stderr)
        return 2
    if not (settings.jellyfin_base_url and settings.jellyfin_api_key):
        print("ktv: set JELLYFIN_BASE_URL and JELLYFIN_API_KEY (Jellyfin: Dashboard > "
              "API Keys)", file=sys.stderr)
        return 2
    engine = create_engine(settings.database_url, max_connections=2, min_connections=0)
    try:
        users = UserService(SqlUnitOfWorkFactory(engine), Argon2PasswordHasher(), SystemClock())
        async with contextlib.AsyncExitStack() as stack:
            client = http if http is not None else await stack.enter_async_context(
                httpx.AsyncClient())
            jellyfin = JellyfinLiveTv(settings.jellyfin_base_url, settings.jellyfin_api_key,
                                      client=client)
            owner = (await users.by_email(args.user) if args.user
                     else await users.first_admin())
            if args.action == "register":
                report = await register(users, jellyfin, owner, base,
                                        hdhomerun=args.hdhomerun)
            else:
                report = await unregister(users, jellyfin, owner)
        _print(report, owner)
        return 0
    except DomainError as exc:
        print(f"ktv: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
