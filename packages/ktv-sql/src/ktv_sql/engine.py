"""The async engine: pool sizing, SQLite pragmas and explicit transactions."""

from __future__ import annotations

import sqlite3
import time
import uuid
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .url import DatabaseConfig, parse_database_url

__all__ = ["SQLITE_BUSY_TIMEOUT_MS", "create_engine"]

SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Execution option picking the SQLite ``BEGIN`` flavour (``"IMMEDIATE"`` takes the
#: write lock at once; the migration runner uses it).
SQLITE_BEGIN = "ktv_sqlite_begin"


def _sqlite_url(config: DatabaseConfig) -> URL:
    if config.memory:
        # A named shared-cache database: private to this engine, alive while the
        # pool's connection is.
        name = f"file:ktv-mem-{uuid.uuid4().hex}?mode=memory&cache=shared"
        return config.url.set(database=name, query={"uri": "true"})
    if config.sqlite_mode in ("ro", "rw"):
        path = config.url.database or ""
        return config.url.set(database=f"file:{path}?mode={config.sqlite_mode}",
                              query={**config.url.query, "uri": "true"})
    return config.url


def _enable_wal(cur: Any) -> None:
    """Switch a file database to WAL (persistent in the file, so once is enough).

    Switching needs an exclusive lock and SQLite does not wait on its busy
    handler for it: when several processes open a fresh file at once, retry
    until one of them has switched it.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            _raise_unless_locked(exc, deadline)
        try:
            # Another connection may have switched it meanwhile. (The adapted cursor's
            # ``execute`` returns the driver's own async cursor: fetch through the adapter.)
            cur.execute("PRAGMA journal_mode")
            if str(cur.fetchone()[0]).lower() == "wal":
                return
        except sqlite3.OperationalError as exc:
            _raise_unless_locked(exc, deadline)
        time.sleep(0.02)


def _raise_unless_locked(exc: sqlite3.OperationalError, deadline: float) -> None:
    if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
        raise exc


def _install_sqlite_hooks(engine: AsyncEngine, *, memory: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (pysqlite's implicit transactions skip reads).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if not memory:
            _enable_wal(cur)
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    # File databases begin IMMEDIATE: a DEFERRED transaction that read before a
    # concurrent commit cannot upgrade to a writer in WAL mode (SQLITE_BUSY at once,
    # the busy timeout does not apply), so a background scan's commits would make a
    # registration fail. IMMEDIATE waits its turn for the write lock instead; readers
    # outside transactions are never blocked. The shared-cache in-memory database
    # (tests) keeps DEFERRED: its table locks do not honour the busy timeout.
    default_flavour = "DEFERRED" if memory else "IMMEDIATE"

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        flavour = conn.get_execution_options().get(SQLITE_BEGIN, default_flavour)
        conn.exec_driver_sql(f"BEGIN {flavour}")


def create_engine(database: str | DatabaseConfig, *, max_connections: int = 10,
                  min_connections: int = 1, echo: bool = False) -> AsyncEngine:
    """An async engine for ``DATABASE_URL`` (any form :func:`parse_database_url` takes).

    ``max_connections`` (``DB_MAX_CONNECTIONS``) caps open connections;
    ``min_connections`` (``DB_MIN_CONNECTIONS``) are kept open when idle.
    ``sqlite::memory:`` uses exactly one connection, so units of work on it run
    one after another.
    """
    config = parse_database_url(database) if isinstance(database, str) else database
    if max_connections < 1 or min_connections < 0:
        raise ValueError("DB_MAX_CONNECTIONS must be >= 1 and DB_MIN_CONNECTIONS >= 0")
    keep = max(1, min(min_connections, max_connections))
    pool: dict[str, Any] = {"pool_size": keep, "max_overflow": max_connections - keep,
                            "pool_timeout": 30}
    if config.dialect == "sqlite":
        if config.memory:
            pool.update(pool_size=1, max_overflow=0, pool_recycle=-1)
        engine = create_async_engine(
            _sqlite_url(config), echo=echo, **pool,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _install_sqlite_hooks(engine, memory=config.memory)
        return engine
    # jsonb values come back as text: ktv_sql.codec decodes them into domain values.
    return create_async_engine(config.url, echo=echo, pool_recycle=1800,
                               json_deserializer=_identity, **pool)


def _identity(text: str) -> str:
    return text
