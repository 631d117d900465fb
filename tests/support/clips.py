"""Self-describing test clips: every frame says which item and which frame it is.

A frame is an 8 x 4 grid of black or white blocks: row 0 is the item number
(8 bits), rows 1-2 the frame number (16 bits), row 3 a check byte. Blocks
survive scaling, padding and H.264 at any sane quality, so a test decodes what
a stream *shows* and compares it with the guide, instead of counting bytes.
Audio is a tone whose pitch depends on the item (or none, or no video).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av

from .ffmpeg import ffmpeg_exe

__all__ = ["CLIP_FPS", "Shown", "decode_shown", "make_clip", "read_frame"]

CLIP_FPS = 25
_COLS, _ROWS = 8, 4
_WHITE, _BLACK = 235, 16


def _bits(item: int, frame: int) -> list[int]:
    check = (item ^ (frame & 0xFF) ^ (frame >> 8) ^ 0x5A) & 0xFF
    value = item | (frame << 8) | (check << 24)
    return [(value >> i) & 1 for i in range(_COLS * _ROWS)]


def _luma(item: int, frame: int, width: int, height: int) -> bytes:
    bits = _bits(item, frame)
    row_bytes = []
    for by in range(_ROWS):
        line = bytearray()
        for bx in range(_COLS):
            x0, x1 = bx * width // _COLS, (bx + 1) * width // _COLS
            line += bytes([_WHITE if bits[by * _COLS + bx] else _BLACK]) * (x1 - x0)
        y0, y1 = by * height // _ROWS, (by + 1) * height // _ROWS
        row_bytes.append(bytes(line) * (y1 - y0))
    return b"".join(row_bytes)


def make_clip(out: Path, item: int, secs: float, *, size: tuple[int, int] = (320, 180),
              audio: bool = True, video: bool = True, gop_secs: float = 1.0) -> Path:
    """An MP4 (or what ``out``'s suffix says) of ``secs`` showing ``item``'s frames."""
    width, height = size
    frames = round(secs * CLIP_FPS)
    exe = ffmpeg_exe()
    args = [exe, "-nostdin", "-loglevel", "error", "-y"]
    if video:
        args += ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}",
                 "-r", str(CLIP_FPS), "-i", "pipe:0"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency={220 + 20 * item}:sample_rate=44100"]
    if video:
        args += ["-c:v", "libx264", "-preset", "ultrafast", "-g", str(round(gop_secs * CLIP_FPS)),
                 "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac", "-b:a", "64k"]
    args += ["-t", f"{secs:.3f}", str(out)]
    out.parent.mkdir(parents=True, exist_ok=True)
    if video:
        chroma = bytes([128]) * (width // 2 * (height // 2) * 2)
        raw = b"".join(_luma(item, f, width, height) + chroma for f in range(frames))
        subprocess.run(args, input=raw, check=True, timeout=120)
    else:
        subprocess.run(args, check=True, timeout=120)
    return out


@dataclass(frozen=True, slots=True)
class Shown:
    """What one decoded frame shows (``item`` None: not a clip frame, e.g. the slate),
    and its presentation timestamp (90 kHz)."""

    item: int | None
    frame: int | None
    pts: int | None

    @property
    def secs(self) -> float:
        """Seconds into the item."""
        return (self.frame or 0) / CLIP_FPS


def read_frame(frame: av.VideoFrame, *, box: tuple[int, int, int, int] | None = None
               ) -> tuple[int, int] | None:
    """(item, frame number) the picture shows, or None (a slate, a damaged frame).

    ``box`` (x, y, width, height) is where the clip's picture sits (padding aside).
    """
    plane = frame.planes[0]
    data = bytes(plane)
    stride = plane.line_size
    x0, y0, w, h = box or (0, 0, frame.width, frame.height)
    value = 0
    for by in range(_ROWS):
        for bx in range(_COLS):
            x = x0 + (2 * bx + 1) * w // (2 * _COLS)
            y = y0 + (2 * by + 1) * h // (2 * _ROWS)
            if data[y * stride + x] > 128:
                value |= 1 << (by * _COLS + bx)
    item, frame_no, check = value & 0xFF, (value >> 8) & 0xFFFF, value >> 24
    if check != (item ^ (frame_no & 0xFF) ^ (frame_no >> 8) ^ 0x5A) & 0xFF:
        return None
    return item, frame_no


Box = tuple[int, int, int, int]


def decode_shown(path: Path, *, boxes: tuple[Box, ...] = ()) -> Iterator[Shown]:
    """Every decoded video frame of a capture and what it shows (the whole picture is read
    first, then each of ``boxes``: where a clip of another shape sits, padding aside)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            got = None
            for box in (None, *boxes):
                got = read_frame(frame, box=box)
                if got is not None:
                    break
            yield Shown(item=got[0] if got else None, frame=got[1] if got else None,
                        pts=frame.pts)
