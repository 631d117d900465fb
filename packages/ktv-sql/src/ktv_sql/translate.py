"""Database errors -> domain errors (most specific first)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Literal

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from ktv_domain import Conflict, DomainError, NotFound

__all__ = ["Violation", "violation", "writing"]

Violation = Literal["unique", "foreign_key", "check", "busy", "other"]

_PG = {"23505": "unique", "23503": "foreign_key", "23514": "check",
       "40001": "busy", "40P01": "busy", "55P03": "busy"}
_SQLITE = {"SQLITE_CONSTRAINT_UNIQUE": "unique", "SQLITE_CONSTRAINT_PRIMARYKEY": "unique",
           "SQLITE_CONSTRAINT_FOREIGNKEY": "foreign_key", "SQLITE_CONSTRAINT_CHECK": "check",
           "SQLITE_BUSY": "busy", "SQLITE_BUSY_SNAPSHOT": "busy", "SQLITE_LOCKED": "busy"}


def violation(exc: DBAPIError) -> tuple[Violation, str]:
    """What kind of error, and a lower-cased text naming the constraint or columns."""
    orig = exc.orig
    cause = getattr(orig, "__cause__", None)
    detail = f"{getattr(cause, 'constraint_name', None) or ''} {orig}".lower()
    code = getattr(orig, "sqlstate", None)
    if isinstance(code, str) and code in _PG:
        return _PG[code], detail  # type: ignore[return-value]
    name = getattr(orig, "sqlite_errorname", None)
    if isinstance(name, str) and name in _SQLITE:
        return _SQLITE[name], detail  # type: ignore[return-value]
    if "unique constraint" in detail:
        return "unique", detail
    if "foreign key constraint" in detail:
        return "foreign_key", detail
    if "database is locked" in detail:
        return "busy", detail
    return "other", detail


@asynccontextmanager
async def writing(conn: AsyncConnection, *,
                  unique: Mapping[str, DomainError] | DomainError,
                  missing: str = "not found") -> AsyncIterator[None]:
    """Run a write in a savepoint, translating failures to domain errors.

    ``unique`` maps a fragment of the constraint/column text to the error to
    raise (first match wins), or is the error for every unique violation. The
    savepoint keeps the unit of work usable after a translated error, as the
    in-memory fake does.
    """
    try:
        async with conn.begin_nested():
            yield
    except IntegrityError as exc:
        kind, detail = violation(exc)
        if kind == "foreign_key":
            raise NotFound(missing) from exc
        if kind == "unique":
            if isinstance(unique, DomainError):
                raise unique from exc
            for fragment, error in unique.items():
                if fragment in detail:
                    raise error from exc
            raise Conflict("a uniqueness rule was violated") from exc
        raise
    except OperationalError as exc:
        if violation(exc)[0] == "busy":
            raise Conflict("the database is busy with a concurrent change; retry") from exc
        raise
