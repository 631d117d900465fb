"""Errors of the local-folder media adapter.

::

    LocalMediaError          base of every error raised by this package
    ├── ProbeFailed          a file PyAV cannot read as media (unreadable, corrupt, not media)
    └── UnsafePath           a path that would leave the media folders (traversal, symlink out)

Scanning never raises them to its caller for a single bad file: the scan
functions turn them into warnings and skip the file.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["LocalMediaError", "ProbeFailed", "UnsafePath"]


class LocalMediaError(Exception):
    """Base class of the local-folder adapter's errors."""


class ProbeFailed(LocalMediaError):
    """PyAV could not read ``path`` as a media file."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot probe {path}: {reason}")
        self.path = path
        self.reason = reason


class UnsafePath(LocalMediaError):
    """A path resolves outside every media folder (``..``, absolute parts, symlinks out)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"unsafe path {path!r}: {reason}")
        self.path = path
        self.reason = reason
