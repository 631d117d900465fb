"""One continuous transport stream out of many ffmpeg runs, on the guide's clock.

Each programme (or slate) is a separate ffmpeg run whose output starts its
own timestamps and continuity counters at zero. The :class:`Splicer` rewrites
them so the channel's stream never resets:

* **Timestamps are the schedule.** A segment that the plan starts at instant
  ``S`` has its first video frame (decode order) mapped to ``S`` itself:
  PTS/DTS/PCR = microseconds since the Unix epoch x 9 / 100, modulo 2^33 (the
  90 kHz clock). Every frame's timestamp therefore *is* the wall-clock instant
  the guide gives it; each boundary re-anchors to the scheduled instant, so the
  stream cannot drift from the guide, over minutes or days.
* **Cut at the scheduled end.** Packets whose presentation time reaches the
  segment's end are dropped, so an item never overruns into the next slot
  (``-c copy`` starts at the keyframe before the offset and runs long).
* **Strictly increasing, continuous.** A PES whose timestamp would not be
  after the last one of its stream is dropped; continuity counters are
  renumbered per PID across runs; a PMT that differs from the one before gets
  the next version number (and its CRC), an identical one keeps it.

Output comes as :class:`Chunk` s of about ``CHUNK_PACKETS`` packets, split
before every video keyframe (with the PAT/PMT that precede it), so viewers can
join and HLS can cut at keyframes. Only complete frames go out: ffmpeg writes
each PES in one piece, so everything before the latest payload unit start is
complete; what follows is held until the next one starts or the run ends
cleanly. When ffmpeg dies mid-frame, :meth:`Splicer.flush` with
``complete=False`` drops that partial frame and rolls the counters back, so a
restart continues a clean stream.
"""

from __future__ import annotations

from dataclasses import dataclass

from .ts import (
    PACKET_SIZE,
    PAT_PID,
    TIMESTAMP_MOD,
    ProgramMap,
    parse_pat,
    parse_pmt,
    pes_timestamps,
    pid_of,
    read_pcr,
    set_pes_timestamps,
    set_psi_version,
    write_pcr,
)

__all__ = ["CHUNK_PACKETS", "Chunk", "Splicer", "ticks_from_us", "us_from_ticks"]

CHUNK_PACKETS = 64
_HALF = TIMESTAMP_MOD // 2
#: Packets held while waiting for the first video timestamp before anchoring anyway.
_MAX_HELD = 4096
_SYNC = 0x47
_SDT_PID = 0x11


def ticks_from_us(us: int) -> int:
    """An instant in microseconds since the epoch, as unbounded 90 kHz ticks.

    Rounded up, so a segment never starts before its scheduled instant:
    ``us_from_ticks(ticks_from_us(t)) >= t``."""
    return -(-us * 9 // 100)


def us_from_ticks(ticks: int) -> int:
    return ticks * 100 // 9


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of whole packets of the channel's stream."""

    data: bytes
    #: Earliest and latest mapped timestamp in it (unbounded 90 kHz ticks), if any.
    first: int | None
    last: int | None
    #: It starts a video keyframe (possibly after the PAT/PMT that announce it).
    keyframe: bool
    #: It begins with a PAT (a decoder can start here without a PSI prefix).
    psi: bool
    #: First chunk of a segment whose encoding may differ from what came before.
    discontinuity: bool = False
    #: First chunk of a new ffmpeg run (an item, a slate clip, a restart).
    starts_run: bool = False
    #: The keyframe's presentation instant (ticks) when ``keyframe``.
    key_at: int | None = None


def _signed(delta: int) -> int:
    delta %= TIMESTAMP_MOD
    return delta - TIMESTAMP_MOD if delta >= _HALF else delta


class Splicer:
    """Rewrites successive ffmpeg outputs into one stream (see the module docstring)."""

    def __init__(self) -> None:
        self._cc: dict[int, int] = {}
        self._last_dts: dict[int, int] = {}
        self._pmt_version = 0
        self._pmt_body: bytes | None = None
        self._pat_packet: bytes | None = None
        self._pmt_packet: bytes | None = None
        #: Latest mapped presentation instant emitted (ticks), across segments.
        self.position: int | None = None
        self._begin_segment(0, None, discontinuity=False)

    # -- segments ---------------------------------------------------------------------

    def begin(self, start_ticks: int, end_ticks: int | None, *,
              discontinuity: bool = False) -> None:
        """Start splicing a new ffmpeg output that the plan puts at ``start_ticks``."""
        self._begin_segment(start_ticks, end_ticks, discontinuity=discontinuity)

    def _begin_segment(self, start: int, end: int | None, *, discontinuity: bool) -> None:
        if getattr(self, "_out", None):
            raise RuntimeError("flush() the previous run before beginning the next one")
        self._start = start
        self._end = end
        self._anchor: int | None = None
        self._remainder = b""
        self._held: list[bytearray] = []
        self._pmt_pid: int | None = None
        self._pmt: ProgramMap | None = None
        self._cut: set[int] = set()
        self._dropping: set[int] = set()
        self._discontinuity = discontinuity
        self._out = bytearray()
        #: (offset in ``_out``, mapped presentation instant) of each timed packet.
        self._stamps: list[tuple[int, int]] = []
        #: ``_out[:_commit]`` holds only complete PES (see the module docstring).
        self._commit = 0
        self._rollback: tuple[dict[int, int], dict[int, int]] | None = None
        self._out_key = False
        self._out_key_at: int | None = None
        self._psi_mark: int | None = None
        self._chunks: list[Chunk] = []
        self._starts_run = True
        self.packets_in = 0

    @property
    def done(self) -> bool:
        """Every elementary stream of the segment has reached its end instant."""
        return (self._end is not None and self._pmt is not None
                and bool(self._pmt.pids) and self._pmt.pids <= self._cut)

    @property
    def anchored(self) -> bool:
        return self._anchor is not None

    def psi_prefix(self) -> bytes:
        """The last PAT and PMT packets sent: what a joining decoder needs first."""
        return (self._pat_packet or b"") + (self._pmt_packet or b"")

    # -- feeding ------------------------------------------------------------------------

    def feed(self, data: bytes) -> list[Chunk]:
        """Splice the next bytes of the current segment's ffmpeg output."""
        buf = self._remainder + data if self._remainder else data
        n = len(buf)
        i = 0
        while i + PACKET_SIZE <= n:
            if buf[i] != _SYNC:  # lost sync: find the next packet start
                i += 1
                continue
            self._packet(bytearray(buf[i:i + PACKET_SIZE]))
            i += PACKET_SIZE
        self._remainder = bytes(buf[i:])
        return self._take()

    def flush(self, *, complete: bool = True) -> list[Chunk]:
        """The end of the run's output: emit the rest. ``complete=False`` (ffmpeg died or
        stalled) drops the frame it was writing and restores the counters before it."""
        if self._held:
            self._anchor_on_held()
        if not complete:
            del self._out[self._commit:]
            self._stamps = [(o, t) for o, t in self._stamps if o < self._commit]
            if self._rollback is not None:
                self._cc, self._last_dts = self._rollback
                self._rollback = None
            if self._out_key_at is not None and all(t != self._out_key_at
                                                    for _, t in self._stamps):
                self._out_key, self._out_key_at = False, None  # the keyframe went too
        self._commit = len(self._out)
        self._close_chunk()
        return self._take()

    def _take(self) -> list[Chunk]:
        chunks, self._chunks = self._chunks, []
        return chunks

    # -- packets ------------------------------------------------------------------------

    def _packet(self, pkt: bytearray) -> None:
        self.packets_in += 1
        if self._anchor is None:
            if self._is_anchor(pkt):
                ts = pes_timestamps(pkt, 0)
                self._anchor = ts[1] if ts[1] is not None else ts[0]
                held, self._held = self._held, []
                for h in held:
                    self._process(h)
            else:
                self._track_psi(pkt)
                self._held.append(pkt)
                if len(self._held) >= _MAX_HELD:
                    self._anchor_on_held()
                return
        self._process(pkt)

    def _is_anchor(self, pkt: bytearray) -> bool:
        if not pkt[1] & 0x40:
            return False
        pid = pid_of(pkt, 0)
        pmt = self._pmt
        if pmt is None or pid not in pmt.pids:
            return False
        video = pmt.video_pid
        if video is not None and pid != video:
            return False
        pts, dts = pes_timestamps(pkt, 0)
        return pts is not None or dts is not None

    def _anchor_on_held(self) -> None:
        for pkt in self._held:
            if pkt[1] & 0x40:
                pts, dts = pes_timestamps(pkt, 0)
                if pts is not None or dts is not None:
                    self._anchor = dts if dts is not None else pts
                    break
        else:
            self._anchor = 0
        held, self._held = self._held, []
        for h in held:
            self._process(h)

    def _track_psi(self, pkt: bytearray) -> None:
        pid = pid_of(pkt, 0)
        if pid == PAT_PID and pkt[1] & 0x40:
            pids = parse_pat(pkt, 0)
            if pids:
                self._pmt_pid = pids[0]
        elif pid == self._pmt_pid and pkt[1] & 0x40:
            pmt = parse_pmt(pkt, 0)
            if pmt is not None:
                self._pmt = pmt

    def _map(self, ts: int) -> int:
        assert self._anchor is not None
        return self._start + _signed(ts - self._anchor)

    def _process(self, pkt: bytearray) -> None:
        pid = pid_of(pkt, 0)
        pusi = bool(pkt[1] & 0x40)
        stamp: int | None = None
        keyframe = False
        unit: tuple[dict[int, int], dict[int, int]] | None = None
        if pid == PAT_PID:
            self._track_psi(pkt)
        elif pid == self._pmt_pid:
            self._track_psi(pkt)
            if pusi and self._pmt is not None:
                if self._pmt_body is not None and self._pmt.body != self._pmt_body:
                    self._pmt_version = (self._pmt_version + 1) & 0x1F
                self._pmt_body = self._pmt.body
                if self._pmt.version != self._pmt_version:
                    set_psi_version(pkt, 0, self._pmt_version)
        elif self._pmt is not None and pid in self._pmt.pids:
            if pid in self._cut:
                return
            if pusi:
                unit = (dict(self._cc), dict(self._last_dts))  # the state before this PES
                pts, dts = pes_timestamps(pkt, 0)
                self._dropping.discard(pid)
                if pts is not None:
                    mpts = self._map(pts)
                    mdts = self._map(dts) if dts is not None else mpts
                    if self._end is not None and mpts >= self._end:
                        self._cut.add(pid)
                        return
                    last = self._last_dts.get(pid)
                    if last is not None and mdts <= last:
                        self._dropping.add(pid)
                        return
                    self._last_dts[pid] = mdts
                    set_pes_timestamps(pkt, 0, mpts, mdts if dts is not None else None)
                    stamp = mpts
                    keyframe = (pid == self._pmt.video_pid and bool(pkt[3] & 0x20)
                                and pkt[4] > 0 and bool(pkt[5] & 0x40))
            elif pid in self._dropping:
                return
        pcr = read_pcr(pkt, 0)
        if pcr is not None and self._anchor is not None:
            mpcr = self._map(pcr)
            if not pkt[3] & 0x10 and self._end is not None and mpcr >= self._end:
                return  # an adaptation-only packet past the end
            write_pcr(pkt, 0, mpcr)
        if pkt[3] & 0x10:  # has payload: next continuity counter
            cc = (self._cc.get(pid, 15) + 1) & 0xF
            self._cc[pid] = cc
        else:
            cc = self._cc.get(pid, 0)
        pkt[3] = (pkt[3] & 0xF0) | cc
        if unit is not None:  # a payload unit starts: what came before is complete
            self._commit = len(self._out)
            self._rollback = unit
        self._emit(pkt, pid, stamp, keyframe)

    # -- chunks -------------------------------------------------------------------------

    def _emit(self, pkt: bytearray, pid: int, stamp: int | None, keyframe: bool) -> None:
        if keyframe:
            mark = self._psi_mark
            if mark is not None and mark > 0:
                self._split(mark)
            elif mark is None and self._out:
                self._close_chunk()
            self._out_key = True
            self._out_key_at = stamp
        if pid in (PAT_PID, _SDT_PID) or pid == self._pmt_pid:
            # A run of PSI (ffmpeg writes SDT, PAT, PMT before each keyframe): a chunk
            # that starts at a keyframe starts with the run.
            if self._psi_mark is None:
                self._psi_mark = len(self._out)
            if pid == PAT_PID:
                self._pat_packet = bytes(pkt)
            elif pid == self._pmt_pid:
                self._pmt_packet = bytes(pkt)
        else:
            self._psi_mark = None
        if stamp is not None:
            self._stamps.append((len(self._out), stamp))
        self._out += pkt
        if self._commit >= CHUNK_PACKETS * PACKET_SIZE and self._psi_mark is None:
            self._close_chunk()

    def _split(self, at: int) -> None:
        """Close the chunk before byte ``at`` (where the PSI before a keyframe starts)."""
        self._close_chunk(at)  # what follows is PSI only
        self._psi_mark = 0

    def _starts_with_tables(self, data: bytes) -> bool:
        """Whether ``data`` opens with a PSI run holding a PAT and the PMT (ffmpeg does
        not repeat every table each time: an SDT alone is not enough)."""
        seen: set[int] = set()
        for i in range(0, len(data) - PACKET_SIZE + 1, PACKET_SIZE):
            pid = ((data[i + 1] & 0x1F) << 8) | data[i + 2]
            if pid not in (PAT_PID, _SDT_PID, self._pmt_pid):
                break
            seen.add(pid)
        return PAT_PID in seen and self._pmt_pid in seen

    def _close_chunk(self, upto: int | None = None) -> None:
        """Emit ``_out[:upto]`` (default: all that is complete) as a chunk; keep the rest."""
        end = self._commit if upto is None else upto
        if end <= 0:
            return
        data = bytes(self._out[:end])
        del self._out[:end]
        self._commit -= end
        times = [t for o, t in self._stamps if o < end]
        self._stamps = [(o - end, t) for o, t in self._stamps if o >= end]
        first, last = (min(times), max(times)) if times else (None, None)
        if last is not None and (self.position is None or last > self.position):
            self.position = last
        self._chunks.append(Chunk(data=data, first=first, last=last, keyframe=self._out_key,
                                  psi=self._starts_with_tables(data),
                                  discontinuity=self._discontinuity,
                                  starts_run=self._starts_run, key_at=self._out_key_at))
        if first is not None:  # the run's start marks its first timed chunk
            self._discontinuity = False
            self._starts_run = False
        self._out_key = False
        self._out_key_at = None
        if upto is None:
            self._psi_mark = None
