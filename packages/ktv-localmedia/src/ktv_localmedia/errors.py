"""Errors of the local-folder media adapter.

::

    LocalMediaError          base of every error raised by this package
    ├── ProbeFailed          a file PyAV cannot read as media (unreadable, corrupt, not media)
    ├── UnsafePath           a path that would leave the media folders (traversal, symlink out)
    └── SampleLibraryError   the sample library (``ktv demo``) cannot be made: no ffmpeg,
                             ffmpeg failed (its error output in the message), unwritable folder

Scanning never raises them to its caller for a single bad file: the scan
functions turn them into warnings and skip the file.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["LocalMediaError", "ProbeFailed", "SampleLibraryError", "UnsafePath"]


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


class SampleLibraryError(LocalMediaError):
    """The sample library could not be generated; the message says why."""
