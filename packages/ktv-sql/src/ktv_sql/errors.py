"""Errors of the SQL adapter.

Repository and unit-of-work methods raise *domain* errors only (database
errors are translated where they happen, ``raise ... from exc``)::

    IntegrityError (unique)        -> ktv_domain.Conflict / DuplicateEmail
    IntegrityError (foreign key)   -> ktv_domain.NotFound
    OperationalError (SQLite busy) -> ktv_domain.Conflict   (a concurrent writer won)

What is left is configuration and schema management, raised by this package::

    SqlAdapterError
    ├── BackupError                    ``backup_sqlite`` cannot copy this database
    ├── DatabaseUrlError               DATABASE_URL cannot be understood (ValueError too)
    └── MigrationError                 the schema cannot be brought up to date
        ├── MigrationFileError         a migrations folder or file is malformed / not found
        ├── MigrationChecksumMismatch  an applied migration file was edited or renamed
        └── MigrationMissing           an applied migration file is gone
"""

from __future__ import annotations

__all__ = [
    "BackupError",
    "DatabaseUrlError",
    "MigrationChecksumMismatch",
    "MigrationError",
    "MigrationFileError",
    "MigrationMissing",
    "SqlAdapterError",
]


class SqlAdapterError(Exception):
    """Base of the errors this package raises itself."""


class BackupError(SqlAdapterError):
    """A backup could not be written; ``postgres`` when the database is PostgreSQL (which
    ``pg_dump`` backs up, not K-TV)."""

    def __init__(self, message: str, *, postgres: bool = False) -> None:
        super().__init__(message)
        self.postgres = postgres


class DatabaseUrlError(SqlAdapterError, ValueError):
    """The database URL is malformed or names an unsupported database."""


class MigrationError(SqlAdapterError):
    """The schema cannot be brought up to date; the message names the file."""


class MigrationFileError(MigrationError):
    """A migrations folder is missing, or a file in it is misnamed or duplicated."""


class MigrationChecksumMismatch(MigrationError):
    """An already-applied migration file was edited (or renamed) after it ran."""


class MigrationMissing(MigrationError):
    """A migration recorded as applied has no file any more."""
