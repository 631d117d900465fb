"""``backup_sqlite``: a consistent copy of a live SQLite database (``ktv backup PATH``).

SQLite's online backup API copies every page under one read transaction, so
the copy is a snapshot even while K-TV writes (WAL readers do not block
writers). The copy is written next to the target under a hidden name,
checked (``PRAGMA integrity_check``), flushed to disk and renamed into place,
so a failed or interrupted backup never leaves a file that looks complete.
PostgreSQL is backed up with ``pg_dump`` (docs/operations.md).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from .errors import BackupError
from .url import parse_database_url

__all__ = ["backup_sqlite"]

_PG_DUMP = ("DATABASE_URL is a PostgreSQL database: K-TV does not copy it, pg_dump does, "
            "e.g. `pg_dump --format=custom --file=ktv.dump \"$DATABASE_URL\"` "
            "(restore with pg_restore; see docs/operations.md, Backups)")


def backup_sqlite(database_url: str, target: str | Path) -> int:
    """Copy the SQLite database of ``database_url`` to ``target`` (which must not exist);
    its size in bytes. BackupError otherwise."""
    config = parse_database_url(database_url)
    if config.dialect != "sqlite":
        raise BackupError(_PG_DUMP, postgres=True)
    if config.memory or not config.url.database:
        raise BackupError("an in-memory SQLite database has nothing to back up")
    source = Path(config.url.database)
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    destination = Path(target)
    if destination.exists():
        raise BackupError(f"{destination} exists: back up to a new file")
    if not destination.parent.is_dir():
        raise BackupError(f"the folder {destination.parent} does not exist")
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.partial")
    try:
        _copy(source, partial)
        os.replace(partial, destination)
    except (sqlite3.Error, OSError) as exc:
        raise BackupError(f"the backup failed: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return destination.stat().st_size


def _copy(source: Path, partial: Path) -> None:
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            check = dst.execute("PRAGMA integrity_check").fetchone()
            if not check or check[0] != "ok":
                raise BackupError(f"the copy failed its integrity check: {check}")
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
    finally:
        src.close()
    with open(partial, "rb") as f:
        os.fsync(f.fileno())
