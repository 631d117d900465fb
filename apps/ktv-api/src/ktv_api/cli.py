"""The ``ktv`` command: ``ktv demo``, ``ktv serve``, ``ktv migrate [--status]``, ``ktv openapi``,
the operator commands ``ktv user ...`` and ``ktv backup PATH`` (``cli_admin``), and
``ktv jellyfin register|unregister`` (``jellyfin_cli``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .cli_admin import add_commands, run_backup, run_user

if TYPE_CHECKING:
    from .settings import Settings

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ktv", description="K-TV: broadcast-style TV channels from your media library. "
        "Settings come from the environment and ./.env (see .env.example).")
    parser.add_argument("--env-file", default=".env",
                        help="read settings from this file too (default: ./.env)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser(
        "demo", help="generate a sample library, set up demo channels and serve them",
        description="Generate a small sample library with ffmpeg (FFMPEG_PATH or the bundled "
        "binary), create a demo account and channels covering the whole day, generate their "
        "schedules and serve on HOST:PORT. Uses its own SQLite database and media folder "
        "inside --dir (DATABASE_URL, MEDIA_DIRS and JELLYFIN_* are ignored). Running it "
        "again reuses everything. Ctrl-C stops.")
    demo.add_argument("--dir", default="ktv-demo", type=Path,
                      help="folder for the sample media and the database (default: ./ktv-demo)")
    demo.add_argument("--host", help="bind address (default: HOST or 127.0.0.1)")
    demo.add_argument("--port", type=int, help="listen port (default: PORT or 3000)")
    serve = sub.add_parser("serve", help="apply migrations, start the keeper, serve HTTP",
                           description="Apply database migrations, start the background "
                           "schedule keeper and serve the API on HOST:PORT. Ctrl-C stops.")
    serve.add_argument("--host", help="bind address (default: HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default: PORT or 3000)")
    migrate = sub.add_parser("migrate", help="apply database migrations and exit",
                             description="Apply pending migrations to DATABASE_URL and exit.")
    migrate.add_argument("--status", action="store_true",
                         help="list applied and pending migrations instead; change nothing")
    from .jellyfin_cli import add_parser as add_jellyfin
    add_jellyfin(sub)
    sub.add_parser("openapi", help="print the API's OpenAPI 3.1 document (JSON) and exit",
                   description="Print the OpenAPI document the server serves at "
                   "/api/v1/openapi.json, without starting a server or opening the database.")
    add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from .demo import run_demo
        return run_demo(args.dir, host=args.host, port=args.port, env_file=args.env_file)
    from .logs import configure_logging
    from .settings import SettingsError, load_settings

    try:
        settings = load_settings(env_file=args.env_file)
    except SettingsError as exc:
        print("ktv: invalid configuration", file=sys.stderr)
        for problem in exc.problems:
            print(f"ktv: {problem}", file=sys.stderr)
        return 2
    # Short commands print their result as plain text; the others log as the server does.
    if args.command == "user":
        return run_user(args, settings)
    if args.command == "backup":
        return run_backup(args.path, settings)
    configure_logging(settings.log_level, settings.log_format)
    if args.command == "openapi":
        return _openapi(settings)
    if args.command == "serve":
        return _serve(settings, args.host, args.port)
    if args.command == "jellyfin":
        from .jellyfin_cli import run_jellyfin
        return asyncio.run(run_jellyfin(settings, args))
    return asyncio.run(_migrate(settings, status=args.status))


def _serve(settings: Settings, host: str | None, port: int | None) -> int:
    import uvicorn

    from .app import create_app
    app = create_app(settings)
    config = uvicorn.Config(app, host=host or settings.host, port=settings.port
                            if port is None else port, log_config=None, access_log=False,
                            lifespan="on", server_header=False,
                            # the app applies proxy headers itself (FORWARDED_ALLOW_IPS,
                            # X-Forwarded-Host too): ktv_api.forwarded
                            proxy_headers=False)
    server = uvicorn.Server(config)
    # uvicorn shuts down gracefully on Ctrl-C, then re-raises the SIGINT it caught; after
    # a clean shutdown that is a normal exit (0), not a KeyboardInterrupt traceback.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else 1


def _openapi(settings: Settings) -> int:
    import msgspec

    from .app import create_app
    schema = create_app(settings).openapi_schema.to_schema()
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(schema)).decode() + "\n")
    return 0


async def _migrate(settings: Settings, *, status: bool) -> int:
    from ktv_sql import MigrationError, create_engine, find_migrations_dir, migrate
    from ktv_sql import migration_status as read_status

    engine = create_engine(settings.database_url, max_connections=1, min_connections=0)
    try:
        folder = find_migrations_dir(engine.dialect.name)
        if status:
            for m in await read_status(engine, folder):
                when = m.applied_at.isoformat() if m.applied_at else ""
                print(f"{m.version:04d}  {m.name:<32} {m.state:<8} {when}")
            return 0
        applied = await migrate(engine, folder)
        print(f"applied {len(applied)} migration(s)" if applied else "already up to date")
        return 0
    except MigrationError as exc:
        print(f"ktv: {exc}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
