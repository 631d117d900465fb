"""A safe recursive walk of the media folders.

The walk never raises for what it finds: unreadable folders, dangling or
looping symlinks and symlinks that resolve outside every media folder are
reported through ``on_warning`` and skipped. Hidden entries (``.name``) and
NAS housekeeping folders are skipped silently. A folder reached twice (a
symlink loop, or two links to one folder) is walked once. Files are yielded
under the path as walked (a symlink inside a media folder keeps its own
path), in name order.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath

from .errors import UnsafePath

__all__ = ["IGNORED_FOLDERS", "VIDEO_EXTENSIONS", "VideoFile", "WarningSink", "resolve_inside",
           "resolve_media_dirs", "walk_media_dirs"]

#: Extensions of candidate video files (compared case-insensitively).
VIDEO_EXTENSIONS = frozenset({".mkv", ".mp4", ".m4v", ".avi", ".mov", ".webm", ".ts", ".m2ts",
                              ".wmv", ".mpg", ".mpeg", ".flv"})
#: Folder names never walked (compared case-insensitively), besides hidden ones.
IGNORED_FOLDERS = frozenset({"@eadir", "#recycle", "$recycle.bin", "lost+found"})

WarningSink = Callable[[str], None]
_log = logging.getLogger("ktv_localmedia")


@dataclass(frozen=True, slots=True, kw_only=True)
class VideoFile:
    """A candidate video file found by the walk."""

    #: The resolved media folder the file was found in.
    media_dir: Path
    #: The path relative to ``media_dir``, as walked (``/``-separated, no ``..``).
    relative: PurePosixPath
    size: int
    mtime_ns: int

    @property
    def path(self) -> Path:
        return self.media_dir / self.relative


def resolve_media_dirs(dirs: Iterable[str | os.PathLike[str]], *,
                       on_warning: WarningSink | None = None) -> list[Path]:
    """The existing folders among ``dirs``, resolved, without duplicates, in order."""
    warn = on_warning or _log.warning
    found: list[Path] = []
    for d in dirs:
        try:
            path = Path(d).expanduser().resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            warn(f"media folder {d} skipped: {exc}")
            continue
        if not path.is_dir():
            warn(f"media folder {d} skipped: not a folder")
        elif path not in found:
            found.append(path)
    return found


def _inside(path: Path, roots: Iterable[Path]) -> bool:
    return any(path.is_relative_to(root) for root in roots)


def walk_media_dirs(media_dirs: Iterable[Path], *,
                    on_warning: WarningSink | None = None) -> Iterator[VideoFile]:
    """Yield every candidate video file under ``media_dirs`` (resolved folders)."""
    warn = on_warning or _log.warning
    roots = list(media_dirs)
    visited: set[tuple[int, int]] = set()
    for root in roots:
        stack: list[PurePosixPath] = [PurePosixPath()]
        while stack:
            rel = stack.pop()
            folder = root / rel
            try:
                st = folder.stat()
                key = (st.st_dev, st.st_ino)
                if key in visited:
                    warn(f"{folder} skipped: already walked (symlink loop or duplicate link)")
                    continue
                visited.add(key)
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                warn(f"{folder} skipped: {exc.strerror or exc}")
                continue
            subdirs: list[PurePosixPath] = []
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    if entry.is_symlink():
                        target = Path(entry.path).resolve(strict=True)
                        if not _inside(target, roots):
                            warn(f"{entry.path} skipped: symlink to {target}, "
                                 "outside the media folders")
                            continue
                    if entry.is_dir():
                        if entry.name.casefold() not in IGNORED_FOLDERS:
                            subdirs.append(rel / entry.name)
                    elif entry.is_file() and Path(entry.name).suffix.lower() in VIDEO_EXTENSIONS:
                        est = entry.stat()
                        yield VideoFile(media_dir=root, relative=rel / entry.name,
                                        size=est.st_size, mtime_ns=est.st_mtime_ns)
                except (OSError, RuntimeError) as exc:  # dangling link, loop (3.11: Runtime)
                    warn(f"{entry.path} skipped: {exc}")
            stack.extend(reversed(subdirs))


def resolve_inside(media_dir: Path, relative: str | PurePath, *,
                   roots: Iterable[Path] = ()) -> Path:
    """The real path of ``relative`` under the resolved ``media_dir``.

    Raises :class:`UnsafePath` for absolute paths, ``..`` parts, NUL bytes,
    missing files, or a result outside ``media_dir`` and the extra ``roots``
    (symlinks out). This is the one way back from a stored relative path to a
    file to open.
    """
    text = relative.as_posix() if isinstance(relative, PurePath) else relative
    rel = PurePosixPath(text)
    if "\0" in text or rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise UnsafePath(text, "not a plain relative path")
    try:
        real = (media_dir / rel).resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise UnsafePath(text, f"cannot resolve ({exc})") from exc
    if not _inside(real, [media_dir, *roots]):
        raise UnsafePath(text, "resolves outside the media folders")
    return real
