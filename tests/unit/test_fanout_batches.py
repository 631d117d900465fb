"""A viewer's queued chunks leave as one write (``Viewer.next(max_bytes)``), in order,
never over the size asked, and never merged across what ``next()`` hands out alone."""

from __future__ import annotations

from ktv_streaming import Broadcast, Chunk


def _chunk(tag: int, size: int, *, keyframe: bool = False) -> Chunk:
    return Chunk(data=bytes([tag]) * size, first=tag * 3000, last=tag * 3000,
                 keyframe=keyframe, psi=keyframe)


async def test_queued_chunks_are_joined_up_to_max_bytes_in_order() -> None:
    broadcast = Broadcast(psi_prefix=lambda: b"")
    viewer = broadcast.join()
    broadcast.publish(_chunk(1, 100, keyframe=True))
    for tag in (2, 3, 4):
        broadcast.publish(_chunk(tag, 100))
    # Everything queued fits: one piece, in publishing order.
    assert await viewer.next(1000) == b"\x01" * 100 + b"\x02" * 100 + b"\x03" * 100 \
        + b"\x04" * 100
    for tag in (5, 6, 7):
        broadcast.publish(_chunk(tag, 100))
    # 250 bytes: two whole chunks (a chunk is never split), then the rest.
    assert await viewer.next(250) == b"\x05" * 100 + b"\x06" * 100
    assert await viewer.next(250) == b"\x07" * 100
    # Without a size, one chunk at a time (the channel session's own readers).
    broadcast.publish(_chunk(8, 100))
    broadcast.publish(_chunk(9, 100))
    assert await viewer.next() == b"\x08" * 100
    assert viewer.bytes_sent == 800
    # A chunk larger than the size still leaves, alone.
    broadcast.publish(_chunk(10, 500))
    assert await viewer.next(250) == b"\x09" * 100
    assert await viewer.next(250) == b"\x0a" * 500
    assert viewer.bytes_sent == 1400
