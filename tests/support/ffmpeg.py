"""Real media files for tests, made with ffmpeg (FFMPEG_PATH or imageio-ffmpeg's binary)."""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

import imageio_ffmpeg

__all__ = ["encode", "ffmpeg_exe"]


def ffmpeg_exe() -> str:
    return os.environ.get("FFMPEG_PATH") or str(imageio_ffmpeg.get_ffmpeg_exe())


@functools.cache
def _video_codec(ffmpeg: str) -> tuple[str, ...]:
    encoders = subprocess.run([ffmpeg, "-hide_banner", "-encoders"], capture_output=True,
                              text=True, check=True).stdout
    return ("-c:v", "libx264", "-preset", "ultrafast") if " libx264 " in encoders else (
        "-c:v", "mpeg4")


def encode(out: Path, secs: float, *, audio: bool = True, size: str = "160x90",
           ffmpeg: str | None = None) -> Path:
    """A ``secs``-long test pattern (with a tone) at ``out``; the container follows the suffix."""
    exe = ffmpeg or ffmpeg_exe()
    args = [exe, "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25"]
    if audio:
        args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-c:a", "aac"]
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([*args, *_video_codec(exe), "-pix_fmt", "yuv420p", "-t", str(secs), str(out)],
                   check=True, timeout=60)
    return out
