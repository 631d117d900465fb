"""The ``ktv demo`` sample library: made with real ffmpeg, read back with the package's scanner."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path, PurePosixPath

import pytest

from ktv_domain import ContentType
from ktv_localmedia import (
    SampleLibrary,
    SampleLibraryError,
    generate_sample_library,
    scan_file,
    walk_media_dirs,
)
from ktv_localmedia.sample import MANIFEST, escape_filter_value, resolve_ffmpeg

SCALE = 1 / 60  # episodes of 2-4 s, movies of 4-5.5 s, shorts of 1-1.5 s


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> SampleLibrary:
    if not os.environ.get("FFMPEG_PATH"):
        pytest.importorskip("imageio_ffmpeg")
    root = tmp_path_factory.mktemp("sample") / "library"
    messages: list[str] = []
    lib = generate_sample_library(root, jobs=2, duration_scale=SCALE, on_progress=messages.append)
    assert any("[25/25]" in m for m in messages)
    return lib


def _copy(lib: SampleLibrary, dest: Path) -> Path:
    shutil.copytree(lib.root, dest)
    return dest


def test_layout_counts_and_manifest(library: SampleLibrary) -> None:
    assert (library.shows, library.episodes, library.movies, library.shorts) == (3, 15, 5, 5)
    assert library.reused == ()
    assert {c.relative for c in library.clips} <= set(library.created)
    seasons = Counter((c.series, c.season) for c in library.clips if c.series)
    assert len(seasons) == 6
    assert set(seasons.values()) <= {2, 3}
    assert any(c.relative.name == "Robot.Garden.S01E03.mp4" for c in library.clips)
    assert any(" - S01E02 - " in c.relative.name for c in library.clips)
    for show in ("The Quiet Lighthouse", "Robot Garden", "Orbital Kitchen"):
        assert (library.root / show / "tvshow.nfo").is_file()
    assert (library.root / "Movies/The Long Signal (1999)/movie.nfo").is_file()
    assert (library.root / "Movies/Paper Boats (2004)/Paper Boats (2004).nfo").is_file()
    genres = {g for c in library.clips for g in c.genres}
    assert {"Comedy", "Drama", "Sci-Fi", "Documentary", "Animation"} <= genres
    assert {"kids", "classic"} <= {t for c in library.clips for t in c.tags}
    manifest = json.loads((library.root / MANIFEST).read_text())
    assert set(manifest["files"]) == {c.relative.as_posix() for c in library.clips}
    assert library.total_bytes == sum(p.stat().st_size for p in library.root.rglob("*")
                                      if p.is_file() and not p.name.startswith("."))
    assert not list(library.root.rglob("*.ktv-tmp"))


def test_every_clip_scans_as_asked(library: SampleLibrary) -> None:
    root = library.root.resolve()
    files = list(walk_media_dirs([root]))
    expected = {c.relative: c for c in library.clips}
    assert {f.relative for f in files} == set(expected)
    for file in files:
        clip = expected[file.relative]
        outcome = scan_file(file, short_max_secs=library.short_max_secs)
        item, probed = outcome.item, outcome.probe
        assert item is not None, outcome.warnings
        assert probed is not None
        assert outcome.warnings == ()
        assert (probed.width, probed.height) == (320, 180)
        assert probed.video_codec in {"h264", "mpeg4"}
        assert probed.audio_codec == "aac"
        assert item.duration_secs == pytest.approx(clip.secs, abs=0.5)
        assert item.content_type is clip.content_type, file.relative
        assert (item.genres, item.tags) == (clip.genres, clip.tags), file.relative
        if clip.has_nfo or clip.content_type is not ContentType.EPISODE \
                or " - " in file.relative.name:
            assert item.title == clip.title
        if clip.content_type is ContentType.EPISODE:
            assert (item.series_name, item.season_number, item.episode_number) == (
                clip.series, clip.season, clip.episode)
        elif clip.content_type is ContentType.MOVIE:
            assert item.year is not None
            assert item.year == clip.year
        else:
            assert file.relative.parts[0] == "Shorts"


def test_a_second_call_reuses_everything(library: SampleLibrary) -> None:
    mtimes = {c.relative: (library.root / c.relative).stat().st_mtime_ns for c in library.clips}
    again = generate_sample_library(library.root, ffmpeg="/nonexistent/ffmpeg",
                                    duration_scale=SCALE)
    assert again.created == ()
    assert set(again.reused) == set(library.created)
    assert again.total_bytes == library.total_bytes
    assert again.font == library.font
    assert {c.relative: (library.root / c.relative).stat().st_mtime_ns
            for c in library.clips} == mtimes


def test_missing_empty_or_changed_clips_are_made_again(library: SampleLibrary,
                                                       tmp_path: Path) -> None:
    root = _copy(library, tmp_path / "copy")
    gone, empty, changed = (library.clips[0].relative, library.clips[16].relative,
                            library.clips[-1].relative)
    (root / gone).unlink()
    (root / gone).with_name(f".{gone.name}.999999.ktv-tmp").write_bytes(b"\0" * 100)  # killed
    (root / empty).write_bytes(b"")
    manifest = json.loads((root / MANIFEST).read_text())
    manifest["files"][changed.as_posix()]["secs"] = 99.0
    (root / MANIFEST).write_text(json.dumps(manifest))
    (root / "Robot Garden/tvshow.nfo").write_text("stale")

    lib = generate_sample_library(root, jobs=2, duration_scale=SCALE)

    assert set(lib.created) == {gone, empty, changed, PurePosixPath("Robot Garden/tvshow.nfo")}
    assert all((root / p).stat().st_size > 0 for p in (gone, empty, changed))
    assert "<tvshow>" in (root / "Robot Garden/tvshow.nfo").read_text()
    assert not list(root.rglob("*.ktv-tmp"))


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_killed_run_leaves_no_file_that_looks_complete(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    code = ("import sys; from pathlib import Path; from ktv_localmedia import "
            "generate_sample_library as g; g(Path(sys.argv[1]), jobs=2, duration_scale=0.1)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(root)])
    try:
        for _ in range(600):  # until the first clip is in place, then kill it mid-run
            if proc.poll() is not None or (root.is_dir() and any(root.rglob("*.mp4"))):
                break
            time.sleep(0.02)
    finally:
        proc.kill()
        proc.wait()
    for file in walk_media_dirs([root.resolve()]):  # whatever looks complete is complete
        outcome = scan_file(file)
        assert outcome.item is not None, outcome.warnings

    lib = generate_sample_library(root, jobs=2, duration_scale=0.1)

    assert len(lib.created) + len(lib.reused) == 42
    assert len(list(walk_media_dirs([root.resolve()]))) == 25


def test_a_missing_ffmpeg_is_a_clear_error(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    missing = str(tmp_path / "no-such-ffmpeg")
    with pytest.raises(SampleLibraryError, match=r"ffmpeg not found or not executable.*no-such"):
        generate_sample_library(tmp_path / "lib", ffmpeg=missing)
    monkeypatch.setenv("FFMPEG_PATH", missing)
    with pytest.raises(SampleLibraryError, match="from FFMPEG_PATH"):
        resolve_ffmpeg()
    assert not list((tmp_path / "lib").rglob("*.mp4"))


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script as the fake ffmpeg")
def test_a_failing_ffmpeg_error_carries_its_output(tmp_path: Path) -> None:
    broken = tmp_path / "ffmpeg"
    broken.write_text("#!/bin/sh\necho 'first line' >&2\necho 'libfoo: boom' >&2\nexit 3\n")
    broken.chmod(0o755)
    with pytest.raises(SampleLibraryError, match=r"exit 3\): first line\nlibfoo: boom"):
        generate_sample_library(tmp_path / "lib", ffmpeg=str(broken))


def test_filter_values_are_escaped_for_drawtext(library: SampleLibrary) -> None:
    assert escape_filter_value("a'b:c,d") == "a\\\\\\'b\\\\:c\\,d"
    if library.font is None:
        pytest.skip("this machine's ffmpeg has no font for drawtext")
    font = "" if library.font == "fontconfig" else f"fontfile={escape_filter_value(library.font)}:"
    nasty = "It's 50% [done]; a:b, c\\d"
    graph = f"drawtext={font}text={escape_filter_value(nasty)}:expansion=none"
    done = subprocess.run([resolve_ffmpeg(), "-hide_banner", "-loglevel", "error", "-f", "lavfi",
                           "-i", "color=s=64x36:d=1", "-vf", graph, "-frames:v", "1", "-f",
                           "null", "-"], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
