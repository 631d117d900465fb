"""Operator commands: ``ktv user list|create|set-password|promote|demote|delete`` and
``ktv backup PATH``, on SQLite and PostgreSQL alike.

User commands open ``DATABASE_URL`` directly (pending migrations are applied
first, so an administrator can be made before the first ``ktv serve``). A
running server sees a change within seconds: it re-reads a user at most 10 s
after its last read, so a deleted or demoted user's tokens stop working by
then (at once for ``DELETE /api/v1/auth/me``, which runs in the server).
Passwords are asked for twice on a terminal, or read from the first line of
standard input (``printf '%s\\n' "$PW" | ktv user create ...``).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from datetime import UTC
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ktv_domain.services import AccountAdmin
    from ktv_sql import SqlUnitOfWorkFactory

    from .settings import Settings

__all__ = ["add_commands", "run_backup", "run_user"]


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser(
        "user", help="list, create and change accounts",
        description="Manage accounts in DATABASE_URL (SQLite or PostgreSQL). A running "
        "server picks changes up within seconds.")
    actions = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="list accounts", description="List every account: "
                       "email, admin, how it signs in, when it was created.")
    create = actions.add_parser(
        "create", help="create an account (asks for its password)",
        description="Create an account, also when registration is closed. The password "
        "(8..1024 characters) is asked for twice, or read from the first line of standard "
        "input when it is not a terminal. The first account on a server is an admin.")
    create.add_argument("email")
    create.add_argument("--admin", action="store_true", help="make it an administrator")
    password = actions.add_parser(
        "set-password", help="set an account's password",
        description="Set a new password (asked for, or read from standard input); existing "
        "tokens stay valid until they expire.")
    password.add_argument("email")
    for name, text in (("promote", "make an account an administrator"),
                       ("demote", "make an administrator an ordinary account")):
        action = actions.add_parser(name, help=text, description=text[0].upper() + text[1:]
                                    + ".")
        action.add_argument("email")
    delete = actions.add_parser(
        "delete", help="delete an account and everything it owns",
        description="Delete an account with its channels, schedules and feed token. On a "
        "terminal you are asked to confirm (--yes skips that); running servers refuse its "
        "tokens within seconds.")
    delete.add_argument("email")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    backup = sub.add_parser(
        "backup", help="copy the SQLite database, consistently, while K-TV runs",
        description="Write a consistent copy of the SQLite database of DATABASE_URL to "
        "PATH with SQLite's online backup (safe while `ktv serve` runs). PostgreSQL: use "
        "pg_dump (see docs/operations.md).")
    backup.add_argument("path", metavar="PATH", help="the file to write (must not exist)")


def run_user(args: argparse.Namespace, settings: Settings) -> int:
    from ktv_domain import DomainError

    stdin, stdout, stderr = sys.stdin, sys.stdout, sys.stderr
    password: str | None = None
    if args.action in ("create", "set-password"):
        password = _read_password(stdin, stderr)
        if password is None:
            return 2
    if args.action == "delete" and not args.yes and stdin.isatty():
        answer = input(f"Delete {args.email} with all its channels? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing deleted", file=stderr)
            return 1
    try:
        return asyncio.run(_user(args, settings, password, stdout))
    except DomainError as exc:
        print(f"ktv: {exc.message}", file=stderr)
        return 1


def _read_password(stdin: TextIO, stderr: TextIO) -> str | None:
    if stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != first:
            print("ktv: the passwords differ; nothing changed", file=stderr)
            return None
        return first
    line = stdin.readline()
    if not line:
        print("ktv: no password on standard input", file=stderr)
        return None
    return line.removesuffix("\n").removesuffix("\r")


async def _user(args: argparse.Namespace, settings: Settings, password: str | None,
                stdout: TextIO) -> int:
    from ktv_sql import SqlUnitOfWorkFactory, create_engine, find_migrations_dir, migrate

    engine = create_engine(settings.database_url, max_connections=1, min_connections=0)
    try:
        await migrate(engine, find_migrations_dir(engine.dialect.name))
        admin = _admin(SqlUnitOfWorkFactory(engine))
        return await _act(admin, args, password, stdout)
    finally:
        await engine.dispose()


def _admin(uow: SqlUnitOfWorkFactory) -> AccountAdmin:
    from ktv_auth import Argon2PasswordHasher
    from ktv_domain.services import AccountAdmin, UserService

    from .app import SystemClock

    hasher, clock = Argon2PasswordHasher(), SystemClock()
    return AccountAdmin(uow, hasher, clock, UserService(uow, hasher, clock))


async def _act(admin: AccountAdmin, args: argparse.Namespace, password: str | None,
               stdout: TextIO) -> int:
    action = args.action
    if action == "list":
        users = await admin.list()
        print(f"{'EMAIL':<40} {'ADMIN':<5} {'SIGN-IN':<16} CREATED", file=stdout)
        for u in users:
            how = "+".join(k for k, on in (("password", u.password_hash is not None),
                                           ("sso", u.oidc_subject is not None)) if on)
            print(f"{u.email!s:<40} {'yes' if u.is_admin else 'no':<5} {how or '-':<16} "
                  f"{u.created_at.astimezone(UTC):%Y-%m-%d %H:%M}Z", file=stdout)
        return 0
    if action == "create":
        assert password is not None
        user = await admin.create(args.email, password, admin=args.admin)
        print(f"created {user.email}{' (admin)' if user.is_admin else ''}", file=stdout)
    elif action == "set-password":
        assert password is not None
        user = await admin.set_password(args.email, password)
        print(f"password set for {user.email}", file=stdout)
    elif action in ("promote", "demote"):
        user = await admin.set_admin(args.email, action == "promote")
        print(f"{user.email} is {'an administrator' if user.is_admin else 'not an administrator'}",
              file=stdout)
    else:
        user = await admin.delete(args.email)
        print(f"deleted {user.email} and everything it owned", file=stdout)
    return 0


def run_backup(path: str, settings: Settings) -> int:
    from ktv_sql import BackupError, backup_sqlite

    stdout, stderr = sys.stdout, sys.stderr
    try:
        size = backup_sqlite(settings.database_url, path)
    except BackupError as exc:
        print(f"ktv: {exc}", file=stderr)
        return 2 if exc.postgres else 1
    print(f"backed up to {path} ({size} bytes)", file=stdout)
    return 0
