"""DATABASE_URL in the K-TV README forms (or any SQLAlchemy URL) -> an async engine URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from .errors import DatabaseUrlError

__all__ = ["DatabaseConfig", "Dialect", "parse_database_url", "redact_url"]

Dialect = Literal["sqlite", "postgres"]

_SQLITE_DRIVER = "sqlite+aiosqlite"
_PG_DRIVER = "postgresql+asyncpg"
_MEMORY = (":memory:", "")


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    """Where the database lives, with the async driver chosen.

    ``repr``/``str`` never show a password (use :attr:`redacted` in logs).
    """

    url: URL
    dialect: Dialect
    #: ``sqlite::memory:``: one private in-memory database per engine.
    memory: bool = False
    #: SQLite ``mode=ro`` / ``mode=rw`` (the file must exist) / ``rwc`` (default).
    sqlite_mode: str = "rwc"

    @property
    def redacted(self) -> str:
        return redact_url(self.url)

    def __repr__(self) -> str:
        return f"DatabaseConfig({self.redacted!r}, dialect={self.dialect!r})"

    __str__ = __repr__


def redact_url(url: URL | str) -> str:
    """The URL with any password replaced by ``***`` (safe for logs)."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        return "<unparseable database URL>"
    return parsed.render_as_string(hide_password=True)


def _sqlite(path: str, query: str) -> DatabaseConfig:
    params = dict(p.partition("=")[::2] for p in query.split("&") if p) if query else {}
    mode = params.pop("mode", "rwc")
    if mode not in ("ro", "rw", "rwc", "memory"):
        raise DatabaseUrlError(f"unsupported SQLite mode {mode!r} (use ro, rw or rwc)")
    if path in _MEMORY or mode == "memory":
        return DatabaseConfig(URL.create(_SQLITE_DRIVER, database=":memory:"), "sqlite",
                              memory=True)
    return DatabaseConfig(URL.create(_SQLITE_DRIVER, database=path, query=params), "sqlite",
                          sqlite_mode=mode)


def parse_database_url(raw: str) -> DatabaseConfig:
    """Understand ``DATABASE_URL``.

    README forms: ``sqlite:data.db?mode=rwc``, ``sqlite::memory:``,
    ``sqlite://path`` (the path follows ``//`` verbatim, so ``sqlite:///srv/k.db``
    is absolute), ``postgres://user:pass@host/db``, ``postgresql://...``.
    SQLAlchemy URLs with a driver (``sqlite+pysqlite:///rel.db``,
    ``postgresql+psycopg://...``) keep SQLAlchemy's meaning; the driver is
    always replaced by the async one (aiosqlite / asyncpg).
    """
    raw = raw.strip()
    if not raw:
        raise DatabaseUrlError("DATABASE_URL is empty")
    scheme, sep, rest = raw.partition(":")
    if not sep:
        raise DatabaseUrlError(f"not a database URL: {redact_url(raw)}")
    backend, _, driver = scheme.lower().partition("+")
    if backend == "sqlite" and not driver:
        path = rest[2:] if rest.startswith("//") else rest
        path, _, query = path.partition("?")
        return _sqlite(path, query)
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise DatabaseUrlError(f"not a database URL: {redact_url(raw)}") from exc
    if backend == "sqlite":
        query = "&".join(f"{k}={v}" for k, v in url.query.items() if isinstance(v, str))
        return _sqlite(url.database or "", query)
    if backend in ("postgres", "postgresql"):
        pg_query = dict(url.query)
        if "sslmode" in pg_query:  # libpq spelling -> asyncpg's
            pg_query["ssl"] = pg_query.pop("sslmode")
        return DatabaseConfig(url.set(drivername=_PG_DRIVER, query=pg_query), "postgres")
    raise DatabaseUrlError(f"unsupported database {backend!r}: use sqlite: or postgres://")
