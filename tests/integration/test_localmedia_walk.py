"""The safe walk: extensions, hidden folders, symlinks out, loops, unreadable folders."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest

from ktv_localmedia import UnsafePath, resolve_inside, resolve_media_dirs, walk_media_dirs


def _touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def media(tmp_path: Path) -> Path:
    root = (tmp_path / "media").resolve()
    _touch(root / "b.MKV", b"12345")
    _touch(root / "a.mp4")
    _touch(root / "notes.txt")
    _touch(root / "a.nfo")
    _touch(root / "Show" / "Season 1" / "e1.m2ts")
    _touch(root / ".hidden" / "secret.mkv")
    _touch(root / ".dotfile.mkv")
    _touch(root / "@eaDir" / "thumb.mp4")
    return root


def _walk(*roots: Path) -> tuple[list[str], list[str]]:
    warnings: list[str] = []
    found = [f.relative.as_posix() for f in walk_media_dirs(roots, on_warning=warnings.append)]
    return found, warnings


def test_finds_videos_in_name_order_with_size_and_mtime(media: Path) -> None:
    files = list(walk_media_dirs([media]))
    assert [f.relative.as_posix() for f in files] == ["a.mp4", "b.MKV", "Show/Season 1/e1.m2ts"]
    b = files[1]
    assert (b.media_dir, b.path, b.size) == (media, media / "b.MKV", 5)
    assert b.mtime_ns == (media / "b.MKV").stat().st_mtime_ns


def test_symlinks_inside_are_followed_symlinks_out_are_not(media: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _touch(outside / "leak.mkv")
    (media / "out_dir").symlink_to(outside)
    (media / "out_file.mkv").symlink_to(outside / "leak.mkv")
    (media / "in_file.mkv").symlink_to(media / "a.mp4")
    (media / "dangling.mkv").symlink_to(media / "nope.mkv")
    found, warnings = _walk(media)
    assert "in_file.mkv" in found
    assert not [f for f in found if "out" in f or "leak" in f or "dangling" in f]
    assert sum("outside the media folders" in w for w in warnings) == 2
    assert any("dangling.mkv" in w for w in warnings)


def test_symlink_into_another_media_dir_is_followed(media: Path, tmp_path: Path) -> None:
    other = (tmp_path / "other").resolve()
    _touch(other / "x.mkv")
    (media / "link").symlink_to(other)
    found, _ = _walk(media, other)
    assert "link/x.mkv" in found


def test_symlink_loops_do_not_hang(media: Path) -> None:
    (media / "Show" / "loop").symlink_to(media)
    (media / "self").symlink_to(media / "self")
    found, warnings = _walk(media)
    assert found == ["a.mp4", "b.MKV", "Show/Season 1/e1.m2ts"]
    assert any("already walked" in w for w in warnings)
    assert any("self" in w for w in warnings)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_folder_is_skipped_with_a_warning(media: Path) -> None:
    locked = media / "locked"
    _touch(locked / "z.mkv")
    locked.chmod(0)
    try:
        found, warnings = _walk(media)
    finally:
        locked.chmod(0o755)
    assert "locked/z.mkv" not in found
    assert any("locked" in w for w in warnings)


def test_resolve_media_dirs_skips_missing_and_duplicates(media: Path, tmp_path: Path) -> None:
    warnings: list[str] = []
    (tmp_path / "alias").symlink_to(media)
    dirs = resolve_media_dirs([media, tmp_path / "missing", tmp_path / "alias",
                               media / "a.mp4"], on_warning=warnings.append)
    assert dirs == [media]
    assert len(warnings) == 2


def test_resolve_inside(media: Path, tmp_path: Path) -> None:
    assert resolve_inside(media, "Show/Season 1/e1.m2ts") == media / "Show" / "Season 1" / "e1.m2ts"
    assert resolve_inside(media, PurePosixPath("a.mp4")) == media / "a.mp4"
    _touch(tmp_path / "secret.mkv")
    (media / "out.mkv").symlink_to(tmp_path / "secret.mkv")
    for bad in ["../secret.mkv", "/etc/passwd", "Show/../../secret.mkv", "", "a\0.mp4",
                "out.mkv", "missing.mkv"]:
        with pytest.raises(UnsafePath):
            resolve_inside(media, bad)
