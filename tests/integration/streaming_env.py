"""Real ffmpeg channel sessions for tests: self-describing clips, a schedule, a capture.

``FastClock`` runs the channel's clock ``rate`` times faster than real time
(and the session's pacing sleeps with it), so a minute of channel time is
checked in a fraction of one; ffmpeg is real, the decoding is real.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av

from ktv_domain import (
    BlockId,
    Channel,
    ChannelId,
    MediaInput,
    MediaItem,
    MediaItemId,
    NotFound,
    ScheduledSlot,
    ScheduleView,
)
from ktv_streaming import ticks_from_us
from support import T0, make_channel, make_item
from support.clips import CLIP_FPS, Shown, decode_shown
from support.ffmpeg import ffmpeg_exe

__all__ = ["FPS_TOLERANCE", "Capture", "FastClock", "FileInputs", "MutableSchedule",
           "channel_for", "continuity_errors", "decode_errors", "ffmpeg_children", "item",
           "record", "slot", "timestamp_errors", "unwrap_pts"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BLOCK = BlockId(uuid.UUID(int=7))


class FastClock:
    """A clock from ``start`` (default: the real time) that runs ``rate`` times faster
    than real time; :meth:`jump` moves it on (history to replay)."""

    def __init__(self, rate: float = 1.0, *, start: datetime | None = None) -> None:
        self.rate = rate
        self._t0 = start or datetime.now(UTC)
        self._m0 = time.monotonic()

    def now(self) -> datetime:
        return self._t0 + timedelta(seconds=(time.monotonic() - self._m0) * self.rate)

    def jump(self, delta: timedelta) -> None:
        self._t0 += delta

    async def sleep(self, secs: float) -> None:
        await asyncio.sleep(secs / self.rate)


@dataclass
class FileInputs:
    """MediaInputs over a dict of item id -> file (missing ids: NotFound)."""

    files: dict[MediaItemId, str] = field(default_factory=dict)
    calls: int = 0

    async def media_input(self, item_id: MediaItemId) -> MediaInput:
        self.calls += 1
        path = self.files.get(item_id)
        if path is None:
            raise NotFound(f"media item {item_id} not found")
        return MediaInput(location=path)


class MutableSchedule:
    """A ChannelSchedule whose view a test swaps (a regeneration), or removes (deleted)."""

    def __init__(self, slots: Sequence[ScheduledSlot] = ()) -> None:
        self.current: ScheduleView | None = ScheduleView(slots)

    def replace(self, slots: Sequence[ScheduledSlot]) -> None:
        self.current = ScheduleView(slots)

    async def view(self, at: datetime) -> ScheduleView | None:
        return self.current


def channel_for(name: str = "Test Channel", number: str = "7", tz: str = "UTC") -> Channel:
    ch = make_channel(tz=tz, number=number, channel_id=ChannelId(uuid.uuid4()))
    return Channel(id=ch.id, owner_id=ch.owner_id, name=name, number=number,
                   created_at=T0, updated_at=T0, timezone=tz)


def item(n: int, secs: float, **kw: object) -> MediaItem:
    return make_item(n, secs, **kw)


def slot(channel: Channel, item: MediaItem, start: datetime, *,
         length: timedelta | None = None, generation: int = 1) -> ScheduledSlot:
    assert item.duration is not None
    return ScheduledSlot(id=uuid.uuid4(), channel_id=channel.id, block_id=BLOCK,
                         generation=generation, start_at=start,
                         end_at=start + (length or item.duration), item=item)


def unwrap_pts(pts: int, near: datetime) -> datetime:
    """The instant a 33-bit 90 kHz timestamp stands for, taken nearest to ``near``."""
    ref = ticks_from_us((near - _EPOCH) // timedelta(microseconds=1))
    mod = 1 << 33
    ticks = ref + ((pts - ref + mod // 2) % mod) - mod // 2
    return _EPOCH + timedelta(microseconds=ticks * 100 // 9)


@dataclass
class Capture:
    """A recorded stretch of a channel's stream, decoded."""

    path: Path
    near: datetime
    frames: list[Shown] = field(default_factory=list)

    def load(self, *boxes: tuple[int, int, int, int]) -> Capture:
        self.frames = list(decode_shown(self.path, boxes=boxes))
        return self

    def timeline(self) -> list[tuple[datetime, Shown]]:
        return [(unwrap_pts(f.pts, self.near), f) for f in self.frames if f.pts is not None]

    def mismatches(self, view: ScheduleView, *, tolerance: float,
                   numbers: dict[MediaItemId, int], after: datetime | None = None,
                   slate: frozenset[MediaItemId] = frozenset()) -> list[str]:
        """Frames whose picture is not what ``view`` has on air at their instant (from
        ``after`` on); items in ``slate`` must show no clip (a slate, a still picture)."""
        out = []
        for at, shown in self.timeline():
            if after is not None and at < after:
                continue
            playing = view.now(at)
            if playing is None or playing.slot.item.id in slate:
                if shown.item is not None:
                    out.append(f"{at:%H:%M:%S.%f}: item {shown.item} where the slate belongs")
                continue
            want = numbers[playing.slot.item.id]
            if shown.item != want:
                out.append(f"{at:%H:%M:%S.%f}: shows {shown.item}, guide has {want}")
                continue
            error = shown.secs - playing.offset_secs
            if abs(error) > tolerance:
                out.append(f"{at:%H:%M:%S.%f}: item {want} at {shown.secs:.3f}s, guide "
                           f"{playing.offset_secs:.3f}s")
        return out


async def record(viewer_iter: object, path: Path, *, wall_secs: float) -> int:
    """Write what a viewer receives for ``wall_secs`` real seconds to ``path``."""
    from ktv_streaming import Viewer

    assert isinstance(viewer_iter, Viewer)
    size = 0
    deadline = time.monotonic() + wall_secs
    with path.open("wb") as out:
        while (left := deadline - time.monotonic()) > 0:
            try:
                data = await asyncio.wait_for(viewer_iter.next(), left)
            except TimeoutError:
                break
            if data is None:
                break
            out.write(data)
            size += len(data)
    viewer_iter.close("test done")
    return size


FPS_TOLERANCE = 2.5 / CLIP_FPS


def continuity_errors(data: bytes) -> list[str]:
    """Continuity-counter breaks in a transport stream (ISO 13818-1 2.4.3.3): each PID's
    counter goes up by one per packet with a payload (a duplicate is allowed once)."""
    last: dict[int, int] = {}
    errors = []
    for i in range(0, len(data) - 187, 188):
        if data[i] != 0x47:
            errors.append(f"packet {i // 188}: lost sync")
            break
        pid = ((data[i + 1] & 0x1F) << 8) | data[i + 2]
        if pid == 0x1FFF or not data[i + 3] & 0x10:
            continue
        cc = data[i + 3] & 0x0F
        prev = last.get(pid)
        if prev is not None and cc not in ((prev + 1) & 0xF, prev):
            errors.append(f"packet {i // 188}: PID {pid:#x} counter {prev} -> {cc}")
        last[pid] = cc
    return errors


def timestamp_errors(path: Path) -> list[str]:
    """Packets whose DTS is not after the previous one of their stream (PyAV demux)."""
    errors = []
    last: dict[int, int] = {}
    with av.open(str(path)) as container:
        for packet in container.demux():
            if packet.dts is None:
                continue
            index = packet.stream.index
            if index in last and packet.dts <= last[index]:
                errors.append(f"stream {index}: dts {last[index]} -> {packet.dts}")
            last[index] = packet.dts
    return errors


def complete_pes(data: bytes) -> bytes:
    """A capture cut before its last payload unit start: ffmpeg writes each PES whole, so
    what remains holds only complete frames (a recording stops anywhere)."""
    last = max((i for i in range(0, len(data) - 187, 188) if data[i + 1] & 0x40), default=0)
    return data[:last]


def decode_errors(path: Path) -> str:
    """What ``ffmpeg -v error`` prints decoding the capture (nothing when clean); the
    capture's truncated last frame left out."""
    whole = path.with_suffix(".whole.ts")
    whole.write_bytes(complete_pes(path.read_bytes()))
    path = whole
    # Frames keep their own timestamps (the demuxer's time base): a stream that mixes frame
    # rates must not trip the null muxer's rounding to one output rate.
    run = subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(path),
                          "-fps_mode", "passthrough", "-enc_time_base:v", "demux",
                          "-enc_time_base:a", "demux", "-f", "null", "-"],
                         capture_output=True, text=True, timeout=120)
    return (run.stderr + ("" if run.returncode == 0 else f"exit {run.returncode}")).strip()


def ffmpeg_children() -> list[int]:
    """Pids of this process's ffmpeg children."""
    me = os.getpid()
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == me and comm.startswith("ffmpeg") and fields[0] != "Z":
            out.append(int(entry.name))
    return out
