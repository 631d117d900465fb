"""K-TV persistence adapter: SQLite (aiosqlite) and PostgreSQL (asyncpg) with SQLAlchemy 2.

Implements the domain's repository ports and unit of work (Core statements,
``executemany`` for bulk slot writes), the migration runner, and the
``DATABASE_URL`` handling. See ``docs/persistence.md``.
"""

from .backup import backup_sqlite
from .engine import SQLITE_BUSY_TIMEOUT_MS, create_engine
from .errors import (
    BackupError,
    DatabaseUrlError,
    MigrationChecksumMismatch,
    MigrationError,
    MigrationFileError,
    MigrationMissing,
    SqlAdapterError,
)
from .leader import KEEPER_LOCK_KEY, LeaderLock
from .migrations import (
    AppliedMigration,
    Migration,
    MigrationState,
    find_migrations_dir,
    load_migrations,
    migrate,
    migration_status,
)
from .tables import metadata
from .uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from .url import DatabaseConfig, Dialect, parse_database_url, redact_url

__all__ = [
    "KEEPER_LOCK_KEY",
    "SQLITE_BUSY_TIMEOUT_MS",
    "AppliedMigration",
    "BackupError",
    "DatabaseConfig",
    "DatabaseUrlError",
    "Dialect",
    "LeaderLock",
    "Migration",
    "MigrationChecksumMismatch",
    "MigrationError",
    "MigrationFileError",
    "MigrationMissing",
    "MigrationState",
    "SqlAdapterError",
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "backup_sqlite",
    "create_engine",
    "find_migrations_dir",
    "load_migrations",
    "metadata",
    "migrate",
    "migration_status",
    "parse_database_url",
    "redact_url",
]
