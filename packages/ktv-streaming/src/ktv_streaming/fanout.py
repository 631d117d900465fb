"""Fan-out: one channel's stream to every viewer, none of whom can slow the others.

The session publishes each spliced :class:`Chunk` once; every viewer has its
own bounded queue. Publishing never waits: a viewer whose oldest unread data is
older than ``drop_after`` seconds (it stopped reading), or whose queue outgrows
``max_bytes``, is disconnected, and the others go on.

A recent stretch of the stream (``keep_secs`` and at least one keyframe) stays
in memory, so a viewer who joins a running channel starts at once, at the most
recent keyframe at or before the instant it joins (PAT/PMT first), instead of
waiting for the next keyframe.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import AsyncIterator, Callable

from .splicer import Chunk
from .ts import CLOCK_HZ

__all__ = ["Broadcast", "Viewer"]

_ids = itertools.count(1)


class Viewer:
    """One viewer's queue; iterate it for the bytes to send."""

    def __init__(self, broadcast: Broadcast, *, max_bytes: int, drop_after: float,
                 monotonic: Callable[[], float]) -> None:
        self.id = next(_ids)
        self._broadcast = broadcast
        self._queue: deque[tuple[bytes, float]] = deque()
        self._size = 0
        self._max_bytes = max_bytes
        self._drop_after = drop_after
        self._monotonic = monotonic
        self._ready = asyncio.Event()
        self.closed = False
        self.reason: str | None = None
        self.bytes_sent = 0
        self.joined_at = monotonic()
        #: Before a keyframe arrives, nothing decodable can be sent.
        self._need_keyframe = True

    def _push(self, data: bytes, now: float) -> None:
        if self.closed:
            return
        self._queue.append((data, now))
        self._size += len(data)
        self._ready.set()

    def _offer(self, chunk: Chunk, prefix: bytes, now: float) -> None:
        if self._need_keyframe:
            if not chunk.keyframe:
                return
            self._need_keyframe = False
            if not chunk.psi and prefix:
                self._push(prefix, now)
        self._push(chunk.data, now)

    def _too_slow(self, now: float) -> bool:
        if self._size > self._max_bytes:
            return True
        return bool(self._queue) and now - self._queue[0][1] > self._drop_after

    def close(self, reason: str = "closed") -> None:
        if not self.closed:
            self.closed = True
            self.reason = reason
            self._ready.set()
            self._broadcast._forget(self)

    async def next(self, max_bytes: int = 0) -> bytes | None:
        """The next bytes to send; None once the viewer is closed and drained. With
        ``max_bytes``, everything already queued up to that size, joined: one write
        instead of one per chunk (a chunk is about a frame)."""
        while not self._queue:
            if self.closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        data, _ = self._queue.popleft()
        if max_bytes and self._queue and len(data) + len(self._queue[0][0]) <= max_bytes:
            parts, size = [data], len(data)
            while self._queue and size + len(self._queue[0][0]) <= max_bytes:
                part, _ = self._queue.popleft()
                parts.append(part)
                size += len(part)
            data = b"".join(parts)
        self._size -= len(data)
        self.bytes_sent += len(data)
        self._broadcast.bytes_out += len(data)
        return data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            while (data := await self.next()) is not None:
                yield data
        finally:
            self.close("left")


class Broadcast:
    """The viewers of one session and the recent stretch of its stream."""

    def __init__(self, *, psi_prefix: Callable[[], bytes], keep_secs: float = 8.0,
                 max_viewer_bytes: int = 32 * 1024 * 1024, drop_after: float = 5.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._psi_prefix = psi_prefix
        self._keep = int(keep_secs * CLOCK_HZ)
        self._max_viewer_bytes = max_viewer_bytes
        self._drop_after = drop_after
        self._monotonic = monotonic
        self._recent: deque[Chunk] = deque()
        self._viewers: dict[int, Viewer] = {}
        self._listeners: list[Callable[[Chunk], None]] = []
        self.bytes_out = 0
        self.dropped = 0
        self.on_change: Callable[[int], None] | None = None

    @property
    def viewers(self) -> int:
        return len(self._viewers)

    def listen(self, listener: Callable[[Chunk], None]) -> None:
        """Also hand every chunk to ``listener`` (the HLS segmenter), synchronously."""
        self._listeners.append(listener)

    def join(self, at_ticks: int | None = None) -> Viewer:
        """A new viewer, primed from the most recent keyframe at or before ``at_ticks``."""
        viewer = Viewer(self, max_bytes=self._max_viewer_bytes, drop_after=self._drop_after,
                        monotonic=self._monotonic)
        self._viewers[viewer.id] = viewer
        start = self._start_index(at_ticks)
        if start is not None:
            now = self._monotonic()
            prefix = self._psi_prefix()
            for chunk in itertools.islice(self._recent, start, None):
                viewer._offer(chunk, prefix, now)
        self._changed()
        return viewer

    def recent_from(self, at_ticks: int | None) -> list[Chunk]:
        """The held stretch from the most recent keyframe at or before ``at_ticks``."""
        start = self._start_index(at_ticks)
        return [] if start is None else list(itertools.islice(self._recent, start, None))

    def _start_index(self, at_ticks: int | None) -> int | None:
        best = None
        for i, chunk in enumerate(self._recent):
            if not chunk.keyframe:
                continue
            if best is None or at_ticks is None or (chunk.first is not None
                                                    and chunk.first <= at_ticks):
                best = i
        return best

    def publish(self, chunk: Chunk) -> None:
        """Hand ``chunk`` to every viewer and listener; drop viewers that fell behind."""
        now = self._monotonic()
        self._recent.append(chunk)
        self._trim()
        prefix = self._psi_prefix()
        for viewer in list(self._viewers.values()):
            if viewer._too_slow(now):
                self.dropped += 1
                viewer.close("too slow: it stopped reading")
                continue
            viewer._offer(chunk, prefix, now)
        for listener in self._listeners:
            listener(chunk)

    def _trim(self) -> None:
        newest = next((c.last for c in reversed(self._recent) if c.last is not None), None)
        if newest is None:
            return
        limit = newest - self._keep
        while True:
            second = next((i for i in range(1, len(self._recent)) if self._recent[i].keyframe),
                          None)
            if second is None:
                return
            first = self._recent[second].first
            if first is None or first > limit:
                return
            for _ in range(second):
                self._recent.popleft()

    def close(self, reason: str) -> None:
        for viewer in list(self._viewers.values()):
            viewer.close(reason)

    def _forget(self, viewer: Viewer) -> None:
        if self._viewers.pop(viewer.id, None) is not None:
            self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(len(self._viewers))
