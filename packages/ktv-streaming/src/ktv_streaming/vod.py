"""A past programme as video on demand: a fixed list of segments, each made when asked.

The playlist of a programme lists ``VOD_SEGMENT_SECS`` segments that cover the
slot exactly (the last one shorter) and ends with ``#EXT-X-ENDLIST``, so any
player can seek in it. A segment is one short ffmpeg transcode (frame-accurate
start, a keyframe first), spliced so its timestamps are the instants the
programme aired: consecutive segments continue each other, and their
``#EXT-X-PROGRAM-DATE-TIME`` is when that part was on air. Always transcoded,
whatever the channel's profile: copied segments could not start where listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ktv_domain import ScheduledSlot

from .hls import Segment, render_playlist
from .splicer import Splicer, ticks_from_us

__all__ = ["VOD_SEGMENT_SECS", "VodPart", "splice_part", "vod_parts", "vod_playlist"]

VOD_SEGMENT_SECS = 6
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class VodPart:
    index: int
    #: Seconds into the item.
    offset: float
    length: float
    aired_at: datetime


def vod_parts(slot: ScheduledSlot) -> list[VodPart]:
    """The segments that cover ``slot`` (``VOD_SEGMENT_SECS`` each, the last one shorter)."""
    total = (slot.end_at - slot.start_at) / _US
    step = VOD_SEGMENT_SECS * 1_000_000
    parts = []
    for i, start in enumerate(range(0, int(total), step)):
        length = min(step, int(total) - start)
        if length <= 0:
            break
        parts.append(VodPart(index=i, offset=start / 1e6, length=length / 1e6,
                             aired_at=slot.start_at + timedelta(microseconds=start)))
    return parts


def vod_playlist(slot: ScheduledSlot, url: Callable[[VodPart], str]) -> str:
    """The VOD playlist of a programme; ``url(part)`` names each segment."""
    parts = vod_parts(slot)
    segments = [Segment(seq=p.index, start=ticks_from_us((p.aired_at - _EPOCH) // _US),
                        discontinuity=False, path=None, duration=p.length) for p in parts]
    return render_playlist(segments, target=VOD_SEGMENT_SECS, media_sequence=0,
                           discontinuity_sequence=0,
                           segment_url=lambda s: url(parts[s.seq]), vod=True)


def splice_part(ts: bytes, part: VodPart) -> bytes:
    """ffmpeg's output for a part, stamped with the instants it aired and cut to its end."""
    splicer = Splicer()
    start = (part.aired_at - _EPOCH) // _US
    splicer.begin(ticks_from_us(start), ticks_from_us(start + round(part.length * 1e6)))
    chunks = splicer.feed(ts) + splicer.flush()
    return b"".join(c.data for c in chunks)
