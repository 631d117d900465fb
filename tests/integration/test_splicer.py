"""The splicer on real ffmpeg output: runs joined into one clean transport stream.

Each check decodes the result (PyAV, ``ffmpeg -v error``) or reads its packets:
timestamps are the scheduled instants, continuity counters run on, a changed
PMT gets the next version, a run is cut at its end, and a run that died
mid-frame leaves no partial frame behind.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from integration.streaming_env import (
    Capture,
    continuity_errors,
    decode_errors,
    timestamp_errors,
    unwrap_pts,
)
from ktv_streaming import Chunk, Splicer, ticks_from_us
from ktv_streaming.ts import crc32_mpeg, parse_pat, parse_pmt, psi_section
from support.clips import make_clip
from support.ffmpeg import ffmpeg_exe

T0 = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
TRANSCODE = ["-vf", "scale=320:180,fps=30,format=yuv420p", "-c:v", "libx264", "-preset",
             "veryfast", "-bf", "0", "-g", "60", "-c:a", "aac", "-ac", "2", "-ar", "48000"]


def _ticks(at: datetime) -> int:
    return ticks_from_us((at - EPOCH) // US)


def _ts(src: Path, offset: float, length: float, codec: list[str] = TRANSCODE) -> bytes:
    return subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-v", "error", "-ss", str(offset), "-i", str(src),
         "-t", str(length), *codec, "-f", "mpegts", "-muxdelay", "0", "-muxpreload", "0",
         "pipe:1"], capture_output=True, check=True, timeout=60).stdout


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    d = tmp_path_factory.mktemp("splice")
    return {1: make_clip(d / "one.mp4", 1, 12), 2: make_clip(d / "two.mp4", 2, 8)}


def _write(path: Path, chunks: list[Chunk]) -> bytes:
    data = b"".join(c.data for c in chunks)
    path.write_bytes(data)
    return data


def test_runs_join_on_the_scheduled_instants_and_are_cut_at_their_end(
        clips: dict[int, Path], tmp_path: Path) -> None:
    sp = Splicer()
    out: list[Chunk] = []
    # Item 1 from 3 s in, scheduled 20:00:00 - 20:00:04 (its run is longer: cut at 4 s).
    sp.begin(_ticks(T0), _ticks(T0 + timedelta(seconds=4)))
    out += sp.feed(_ts(clips[1], 3, 6)) + sp.flush()
    assert sp.position is not None
    # Item 2 from its start, 20:00:04 - 20:00:09.
    sp.begin(_ticks(T0 + timedelta(seconds=4)), _ticks(T0 + timedelta(seconds=9)))
    out += sp.feed(_ts(clips[2], 0, 5)) + sp.flush()
    path = tmp_path / "joined.ts"
    data = _write(path, out)
    assert continuity_errors(data) == []
    assert timestamp_errors(path) == []
    assert decode_errors(path) == ""
    frames = [(unwrap_pts(f.pts or 0, T0), f) for f in Capture(path, T0).load().frames]
    first_at, first = frames[0]
    assert (first.item, first_at) == (1, T0)
    assert first.secs == pytest.approx(3.0, abs=0.05)
    ones = [at for at, f in frames if f.item == 1]
    twos = [(at, f) for at, f in frames if f.item == 2]
    assert max(ones) < T0 + timedelta(seconds=4), "cut at the slot's end"
    assert twos[0][0] == T0 + timedelta(seconds=4), "the next run starts on its instant"
    assert twos[0][1].frame == 0
    assert max(at for at, _ in twos) < T0 + timedelta(seconds=9)
    # Chunks: the ones that start a keyframe say so, and only those.
    keyed = [c for c in out if c.keyframe]
    assert keyed
    assert keyed[0].starts_run
    assert all(c.key_at is not None for c in keyed)


def test_a_run_killed_mid_frame_is_dropped_whole_and_the_restart_continues_cleanly(
        clips: dict[int, Path], tmp_path: Path) -> None:
    sp = Splicer()
    end = _ticks(T0 + timedelta(seconds=10))
    sp.begin(_ticks(T0), end)
    first = _ts(clips[1], 0, 10)
    killed_at = len(first) // 2 + 77 * 188 + 50  # mid-packet, mid-frame
    out = sp.feed(first[:killed_at]) + sp.flush(complete=False)
    assert sp.position is not None
    resume = EPOCH + timedelta(microseconds=sp.position * 100 // 9)
    offset = (resume - T0).total_seconds()
    sp.begin(_ticks(resume), end)
    out += sp.feed(_ts(clips[1], offset, 10 - offset)) + sp.flush()
    path = tmp_path / "restarted.ts"
    data = _write(path, out)
    assert continuity_errors(data) == []
    assert timestamp_errors(path) == []
    assert decode_errors(path) == ""
    frames = Capture(path, T0).load().frames
    assert {f.item for f in frames} == {1}
    shown = [f.frame or 0 for f in frames]
    assert shown == sorted(shown), "no frame twice, none backwards"


def test_a_different_program_map_gets_the_next_version_with_a_valid_crc(
        clips: dict[int, Path], tmp_path: Path) -> None:
    sp = Splicer()
    out = []
    sp.begin(_ticks(T0), _ticks(T0 + timedelta(seconds=2)))
    out += sp.feed(_ts(clips[1], 0, 2)) + sp.flush()
    mpeg2 = ["-vf", "scale=320:180", "-c:v", "mpeg2video", "-c:a", "mp2"]
    sp.begin(_ticks(T0 + timedelta(seconds=2)), _ticks(T0 + timedelta(seconds=4)),
             discontinuity=True)
    out += sp.feed(_ts(clips[2], 0, 2, mpeg2)) + sp.flush()
    sp.begin(_ticks(T0 + timedelta(seconds=4)), _ticks(T0 + timedelta(seconds=6)))
    out += sp.feed(_ts(clips[2], 2, 2, mpeg2)) + sp.flush()
    data = _write(tmp_path / "versions.ts", out)
    versions: list[tuple[object, int]] = []
    pmt_pids: set[int] = set()
    for i in range(0, len(data), 188):
        packet = bytearray(data[i:i + 188])
        pid = ((packet[1] & 0x1F) << 8) | packet[2]
        if pid == 0:
            pmt_pids.update(parse_pat(packet, 0))
        pmt = parse_pmt(packet, 0) if pid in pmt_pids else None
        if pmt is None:
            continue
        bounds = psi_section(packet, 0)
        assert bounds is not None
        section = packet[bounds[0]:bounds[1]]
        assert crc32_mpeg(section) == 0, "a valid CRC (over the section and its CRC: zero)"
        if not versions or versions[-1][1] != pmt.version:
            versions.append((pmt.video_pid and [s for _, s in pmt.streams], pmt.version))
    assert [v for _, v in versions] == [0, 1], "H.264 then MPEG-2: one new version, once"
    assert continuity_errors(data) == []
    assert [c.discontinuity for c in out].count(True) == 1
