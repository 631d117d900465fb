"""HLS from a channel session: segments cut from the same spliced stream, our own playlists.

The :class:`HlsSegmenter` listens to a session's :class:`Broadcast` (the TS
viewers' stream) and cuts it into segment files at keyframes: every 2 s in
``transcode`` (its keyframe interval), at each item or slate run, and in
``copy`` at the source's keyframes once 2 s have passed (never longer than the
target duration). A segment is listed only once the next one has begun (so it
is complete), with:

* ``#EXT-X-PROGRAM-DATE-TIME``: the scheduled instant of its first frame (the
  splicer's timestamps are the schedule, so this is exact, not the mux time);
* ``#EXT-X-DISCONTINUITY`` where the encoding may change (item boundaries in
  ``copy``, a re-alignment), counted in ``#EXT-X-DISCONTINUITY-SEQUENCE`` once
  removed; ``#EXT-X-MEDIA-SEQUENCE`` counts removed segments (RFC 8216 6.2.2);
* a live window of ``window_secs`` (never less than three target durations);
  older files are deleted. A time-shifted session keeps a long window and says
  ``#EXT-X-START:TIME-OFFSET=0``: whoever asks later still starts at its start.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from .splicer import Chunk, us_from_ticks
from .ts import CLOCK_HZ

__all__ = ["HLS_MEDIA_TYPE", "HlsSegmenter", "Segment", "format_pdt", "render_playlist"]

HLS_MEDIA_TYPE = "application/vnd.apple.mpegurl"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Keyframe-cut segments are at least this long (unless a new run starts).
_MIN_SEGMENT_SECS = 1.9


@dataclass(slots=True)
class Segment:
    seq: int
    #: Scheduled instant of its first frame (90 kHz ticks since the epoch).
    start: int
    discontinuity: bool
    #: Where its bytes are (None for a segment made on demand).
    path: Path | None
    #: Seconds; None while it is still being written.
    duration: float | None = None
    size: int = 0

    @property
    def starts_at(self) -> datetime:
        return _EPOCH + timedelta(microseconds=us_from_ticks(self.start))


def format_pdt(at: datetime) -> str:
    """``2026-11-21T20:00:00.000Z`` (milliseconds, UTC)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def render_playlist(segments: list[Segment], *, target: int, media_sequence: int,
                    discontinuity_sequence: int, segment_url: Callable[[Segment], str],
                    start_at_beginning: bool = False, vod: bool = False) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:6", f"#EXT-X-TARGETDURATION:{target}",
             f"#EXT-X-MEDIA-SEQUENCE:{media_sequence}",
             f"#EXT-X-DISCONTINUITY-SEQUENCE:{discontinuity_sequence}",
             "#EXT-X-INDEPENDENT-SEGMENTS"]
    if vod:
        lines.append("#EXT-X-PLAYLIST-TYPE:VOD")
    if start_at_beginning:
        lines.append("#EXT-X-START:TIME-OFFSET=0,PRECISE=YES")
    for seg in segments:
        if seg.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{format_pdt(seg.starts_at)}")
        lines.append(f"#EXTINF:{seg.duration or 0:.3f},")
        lines.append(segment_url(seg))
    if vod:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


class HlsSegmenter:
    """Segments of one session (see the module docstring). Call it with each chunk."""

    def __init__(self, directory: Path, *, psi_prefix: Callable[[], bytes], target: int,
                 window_secs: float, keyframes_every: float | None,
                 start_at_beginning: bool = False) -> None:
        self._dir = directory
        self._dir.mkdir(parents=True, exist_ok=True)
        self._psi_prefix = psi_prefix
        self.target = target
        self._window = max(window_secs, 3.0 * target)
        #: Seconds between keyframes when regular (transcode); None: the source's (copy).
        self._keyframes_every = keyframes_every
        self.start_at_beginning = start_at_beginning
        self._seq = itertools.count(0)
        self._done: deque[Segment] = deque()
        self._open: Segment | None = None
        self._fh: BinaryIO | None = None
        self.media_sequence = 0
        self.discontinuity_sequence = 0
        self.ready = asyncio.Event()
        self._changed = asyncio.Event()
        self._pending_discontinuity = False
        self.closed = False

    # -- cutting ------------------------------------------------------------------------

    def __call__(self, chunk: Chunk) -> None:
        if self.closed:
            return
        if chunk.discontinuity:
            self._pending_discontinuity = True
        if self._should_cut(chunk):
            start = chunk.key_at if chunk.key_at is not None else chunk.first
            assert start is not None
            self._begin(start, with_psi=not chunk.psi)
        if self._open is not None:
            self._write(chunk.data)

    def _should_cut(self, chunk: Chunk) -> bool:
        if chunk.first is None:
            return False
        current = self._open
        if current is None:
            return chunk.keyframe
        elapsed = ((chunk.key_at or chunk.first) - current.start) / CLOCK_HZ
        if chunk.keyframe and (chunk.starts_run or self._pending_discontinuity
                               or elapsed >= _MIN_SEGMENT_SECS):
            return elapsed > 0
        # No keyframe in time (a copied source with long GOPs): cut anyway at the target.
        return elapsed >= self.target - 0.05 and self._keyframes_every is None

    def _begin(self, start: int, *, with_psi: bool) -> None:
        self._finish(start)
        seq = next(self._seq)
        seg = Segment(seq=seq, start=start, discontinuity=self._pending_discontinuity,
                      path=self._dir / f"{seq}.ts")
        self._pending_discontinuity = False
        self._open = seg
        self._fh = (self._dir / f"{seq}.ts").open("wb")
        if with_psi:
            self._write(self._psi_prefix())

    def _write(self, data: bytes) -> None:
        assert self._open is not None
        assert self._fh is not None
        self._fh.write(data)
        self._open.size += len(data)

    def _finish(self, next_start: int) -> None:
        seg = self._open
        if seg is None:
            return
        assert self._fh is not None
        self._fh.close()
        seg.duration = max(0.0, (next_start - seg.start) / CLOCK_HZ)
        self._done.append(seg)
        self._open = None
        self._reap()
        self.ready.set()
        self._changed.set()
        self._changed = asyncio.Event()

    def _reap(self) -> None:
        total = sum(s.duration or 0 for s in self._done)
        while len(self._done) > 1:
            oldest = self._done[0]
            if total - (oldest.duration or 0) < self._window:
                break
            self._done.popleft()
            total -= oldest.duration or 0
            self.media_sequence = oldest.seq + 1
            if oldest.discontinuity:
                self.discontinuity_sequence += 1
            if oldest.path is not None:
                with contextlib.suppress(OSError):
                    oldest.path.unlink()

    # -- reading ------------------------------------------------------------------------

    @property
    def segments(self) -> list[Segment]:
        """The complete segments in the window, oldest first."""
        return list(self._done)

    def segment(self, seq: int) -> Segment | None:
        for seg in self._done:
            if seg.seq == seq:
                return seg
        return None

    async def changed(self) -> None:
        """Wait for the next completed segment."""
        await self._changed.wait()

    def playlist(self, segment_url: Callable[[Segment], str]) -> str:
        return render_playlist(
            list(self._done), target=self.target, media_sequence=self.media_sequence,
            discontinuity_sequence=self.discontinuity_sequence, segment_url=segment_url,
            start_at_beginning=self.start_at_beginning)

    def close(self) -> None:
        """Stop cutting and delete every file."""
        self.closed = True
        if self._open is not None and self._fh is not None:
            self._fh.close()
            self._done.append(self._open)
            self._open = None
        for seg in self._done:
            if seg.path is not None:
                with contextlib.suppress(OSError):
                    seg.path.unlink()
        self._done.clear()
        with contextlib.suppress(OSError):
            self._dir.rmdir()
