"""Probing and scanning real media files made with ffmpeg (imageio-ffmpeg or FFMPEG_PATH)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from ktv_domain import ContentType
from ktv_localmedia import ProbeFailed, probe, scan_file, walk_media_dirs
from support.ffmpeg import encode, ffmpeg_exe


@dataclass(frozen=True)
class Samples:
    root: Path
    episode: Path  # 3 s, h264/aac (or mpeg4) in Matroska
    movie: Path  # 4 s in MP4
    silent: Path  # 2 s, no audio, QuickTime
    transport: Path  # 3 s, MPEG-TS


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Samples:
    root = tmp_path_factory.mktemp("localmedia").resolve()
    s = Samples(root=root, episode=root / "src" / "episode.mkv",
                movie=root / "src" / "movie.mp4", silent=root / "src" / "silent.mov",
                transport=root / "src" / "recording.ts")
    encode(s.episode, 3)
    encode(s.movie, 4)
    encode(s.silent, 2, audio=False)
    encode(s.transport, 3)
    return s


def test_probe_reads_duration_codecs_and_size(samples: Samples) -> None:
    ep = probe(samples.episode)
    assert ep.duration_secs == pytest.approx(3.0, abs=0.1)
    assert (ep.width, ep.height) == (160, 90)
    assert ep.video_codec in {"h264", "mpeg4"}
    assert ep.audio_codec == "aac"
    assert "matroska" in ep.container
    movie = probe(samples.movie)
    assert movie.duration_secs == pytest.approx(4.0, abs=0.1)
    assert "mp4" in movie.container
    silent = probe(samples.silent)
    assert silent.duration_secs == pytest.approx(2.0, abs=0.1)
    assert silent.audio_codec is None
    ts = probe(samples.transport)
    assert ts.duration_secs == pytest.approx(3.0, abs=0.1)
    assert ts.container == "mpegts"


def test_corrupt_truncated_and_missing_files_fail_cleanly(samples: Samples,
                                                          tmp_path: Path) -> None:
    noise = tmp_path / "noise.mkv"
    noise.write_bytes(os.urandom(64 * 1024))
    truncated = tmp_path / "truncated.mp4"
    data = samples.movie.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    empty = tmp_path / "empty.mkv"
    empty.write_bytes(b"")
    text = tmp_path / "text.mp4"
    text.write_text("hello, I am not a video\n")
    audio_only = tmp_path / "audio.mkv"
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "sine",
                    "-t", "1", str(audio_only)], check=True, timeout=60)
    for bad in [noise, truncated, empty, text, audio_only, tmp_path / "missing.mkv", tmp_path]:
        with pytest.raises(ProbeFailed) as info:
            probe(bad)
        assert info.value.path == bad
        assert info.value.reason


def _library(samples: Samples, tmp_path: Path) -> Path:
    media = (tmp_path / "media").resolve()

    def place(src: Path, rel: str, nfo: str | None = None) -> None:
        dest = media / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        if nfo is not None:
            dest.with_suffix(".nfo").write_text(nfo)

    place(samples.episode, "The Show/Season 01/The Show - S01E02 - Name From File.mkv",
          "<episodedetails><title>Name From Nfo</title><season>1</season><episode>2</episode>"
          "<genre>Comedy</genre></episodedetails>")
    place(samples.episode, "The Show/Season 01/the.show.s01e03.mkv")
    (media / "The Show" / "tvshow.nfo").write_text(
        "<tvshow><title>The Real Show</title><genre>Sci-Fi</genre></tvshow>")
    place(samples.movie, "Movies/Movie (1999)/Movie (1999).mp4")
    (media / "Movies" / "Movie (1999)" / "movie.nfo").write_text(
        "<movie><title>The Movie</title><plot>P.</plot><year>2001</year></movie>")
    place(samples.movie, "Movies/Shorts/Tiny.mp4")
    place(samples.silent, "Movies/Broken Nfo.mov", "<movie><title>oops</movie>")
    (media / "Movies" / "corrupt.mkv").write_bytes(os.urandom(4096))
    return media


def test_scan_a_library_end_to_end(samples: Samples, tmp_path: Path) -> None:
    media = _library(samples, tmp_path)
    outcomes = {o.file.relative.as_posix(): o
                for o in map(scan_file, walk_media_dirs([media]))}
    items = {rel: o.item for rel, o in outcomes.items() if o.item is not None}

    ep = items["The Show/Season 01/The Show - S01E02 - Name From File.mkv"]
    assert (ep.title, ep.series_name, ep.season_number, ep.episode_number) == (
        "Name From Nfo", "The Real Show", 1, 2)
    assert ep.content_type is ContentType.EPISODE
    assert ep.genres == ("Comedy",)
    assert ep.duration_secs == pytest.approx(3.0, abs=1.0)
    ep3 = items["The Show/Season 01/the.show.s01e03.mkv"]
    assert (ep3.series_name, ep3.episode_number, ep3.genres) == ("The Real Show", 3, ("Sci-Fi",))

    movie = items["Movies/Movie (1999)/Movie (1999).mp4"]
    assert (movie.title, movie.year, movie.overview) == ("The Movie", 2001, "P.")
    # The clip lasts seconds, under SHORT_MAX_SECS, but its <movie> .nfo says movie.
    assert movie.content_type is ContentType.MOVIE
    assert items["Movies/Shorts/Tiny.mp4"].content_type is ContentType.SHORT

    broken = outcomes["Movies/Broken Nfo.mov"]
    assert broken.item is not None
    assert broken.item.title == "Broken Nfo"
    assert any("not valid XML" in w for w in broken.warnings)

    corrupt = outcomes["Movies/corrupt.mkv"]
    assert corrupt.item is None
    assert "corrupt.mkv" in corrupt.warnings[0]
    assert len({i.id for i in items.values()}) == len(items) == 5


def test_scan_with_a_long_short_threshold_is_stable(samples: Samples, tmp_path: Path) -> None:
    media = _library(samples, tmp_path)
    files = list(walk_media_dirs([media]))
    first = [scan_file(f, short_max_secs=1.0).item for f in files]
    again = [scan_file(f, short_max_secs=1.0).item for f in walk_media_dirs([media])]
    assert first == again
    by_title = {i.title: i for i in first if i is not None}
    assert by_title["The Movie"].content_type is ContentType.MOVIE
    assert by_title["Tiny"].content_type is ContentType.SHORT
