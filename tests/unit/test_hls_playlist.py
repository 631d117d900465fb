"""The HLS segmenter's bookkeeping (RFC 8216 6.2.2) on synthetic chunks.

Cutting rules, sequence numbers, discontinuities and reaping are pure
bookkeeping: a stream of made-up chunks (a keyframe every second, a new run
with a discontinuity now and then) pins them without ffmpeg.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import m3u8

from ktv_streaming import Chunk, HlsSegmenter
from ktv_streaming.splicer import ticks_from_us

T0 = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
HZ = 90_000
BASE = ticks_from_us(int(T0.timestamp() * 1_000_000))


def chunk(at: float, *, key: bool = False, run: bool = False, disc: bool = False) -> Chunk:
    start = BASE + round(at * HZ)
    return Chunk(data=b"\x47" + bytes(187), first=start, last=start + HZ // 10, keyframe=key,
                 psi=key, discontinuity=disc, starts_run=run, key_at=start if key else None)


def feed(seg: HlsSegmenter, until: float, *, every: float = 1.0,
         runs: dict[float, bool] | None = None) -> None:
    """A keyframe every ``every`` s; ``runs`` maps instants where a run starts to whether it
    is a discontinuity."""
    t = 0.0
    while t < until:
        run = (runs or {}).get(t)
        seg(chunk(t, key=True, run=run is not None, disc=bool(run)))
        seg(chunk(t + 0.5))
        t = round(t + every, 3)


def test_segments_are_cut_every_two_seconds_and_at_each_run(tmp_path: Path) -> None:
    seg = HlsSegmenter(tmp_path / "s", psi_prefix=lambda: b"", target=2, window_secs=600,
                       keyframes_every=2)
    feed(seg, 9, runs={0.0: False, 5.0: False})
    playlist = m3u8.loads(seg.playlist(lambda s: f"{s.seq}.ts"))
    # Keyframes every second: 0-2, 2-4, 4-5 (a new run at 5), 5-7; 7-9 is still open.
    assert [s.duration for s in playlist.segments] == [2.0, 2.0, 1.0, 2.0]
    assert [s.program_date_time for s in playlist.segments] == [
        T0.replace(second=s) for s in (0, 2, 4, 5)]
    assert playlist.target_duration == 2
    assert all(s.uri.endswith(".ts") for s in playlist.segments)


def test_reaping_counts_removed_segments_and_discontinuities(tmp_path: Path) -> None:
    seg = HlsSegmenter(tmp_path / "s", psi_prefix=lambda: b"PSI", target=2, window_secs=8,
                       keyframes_every=None)
    # A discontinuity (a new encoding) at 4 s and at 10 s.
    feed(seg, 30, every=2.0, runs={0.0: False, 4.0: True, 10.0: True})
    playlist = m3u8.loads(seg.playlist(lambda s: f"{s.seq}.ts"))
    listed = sum(s.duration for s in playlist.segments)
    assert 8 <= listed < 8 + 2, "the window, and never less than three target durations"
    removed = playlist.media_sequence
    assert removed == 14 - len(playlist.segments), "media sequence = segments removed"
    assert playlist.discontinuity_sequence == 2, "both removed discontinuities counted"
    kept = {p.name for p in (tmp_path / "s").iterdir()}
    assert kept == {f"{s.seq}.ts" for s in seg.segments} | {"14.ts"}, "older files deleted"
    # Each kept file begins with the PSI when its first chunk lacked it.
    assert (tmp_path / "s" / f"{seg.segments[0].seq}.ts").read_bytes()[:1] == b"\x47"
    seg.close()
    assert not (tmp_path / "s").exists()


def test_a_discontinuity_is_tagged_on_its_segment(tmp_path: Path) -> None:
    seg = HlsSegmenter(tmp_path / "s", psi_prefix=lambda: b"", target=10, window_secs=600,
                       keyframes_every=None)
    feed(seg, 12, every=2.0, runs={0.0: False, 6.0: True})
    text = seg.playlist(lambda s: f"{s.seq}.ts")
    playlist = m3u8.loads(text)
    flags = [s.discontinuity for s in playlist.segments]
    assert flags == [False, False, False, True, False]
    assert text.count("#EXT-X-DISCONTINUITY\n") == 1
    assert "#EXT-X-INDEPENDENT-SEGMENTS" in text
    assert "#EXT-X-START" not in text


def test_a_time_shifted_playlist_starts_players_at_its_beginning(tmp_path: Path) -> None:
    seg = HlsSegmenter(tmp_path / "s", psi_prefix=lambda: b"", target=2, window_secs=600,
                       keyframes_every=2, start_at_beginning=True)
    feed(seg, 5)
    assert "#EXT-X-START:TIME-OFFSET=0,PRECISE=YES" in seg.playlist(lambda s: "x")
    assert seg.ready.is_set()
