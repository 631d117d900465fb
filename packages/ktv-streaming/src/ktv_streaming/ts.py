"""MPEG transport stream packets (ISO/IEC 13818-1): just what splicing needs.

Every function works in place on a ``bytearray`` holding whole 188-byte
packets, at the packet's offset ``i``: reading and rewriting the continuity
counter, the PCR in the adaptation field, the PTS/DTS of a PES header, and the
version and CRC of a PSI section (PAT, PMT) that fits in one packet -- what
ffmpeg's muxer writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "CLOCK_HZ",
    "PACKET_SIZE",
    "PAT_PID",
    "TIMESTAMP_MOD",
    "VIDEO_STREAM_TYPES",
    "ProgramMap",
    "crc32_mpeg",
    "parse_pat",
    "parse_pmt",
    "pes_timestamps",
    "read_pcr",
    "set_pes_timestamps",
    "write_pcr",
]

PACKET_SIZE = 188
SYNC_BYTE = 0x47
PAT_PID = 0x0000
#: PTS, DTS and the PCR base count a 90 kHz clock in 33 bits.
CLOCK_HZ = 90_000
TIMESTAMP_MOD = 1 << 33
#: PMT stream types that carry video (MPEG-1/2, MPEG-4 part 2, H.264, HEVC, VVC, AVS...).
VIDEO_STREAM_TYPES = frozenset({0x01, 0x02, 0x10, 0x1B, 0x20, 0x24, 0x33, 0x42, 0xD1, 0xEA})


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return table


_CRC_TABLE = _crc_table()


def crc32_mpeg(data: bytes | bytearray | memoryview) -> int:
    """CRC-32/MPEG-2 of PSI sections (poly 0x04C11DB7, init all ones, no reflection)."""
    crc = 0xFFFFFFFF
    for b in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC_TABLE[((crc >> 24) ^ b) & 0xFF]
    return crc


def pid_of(buf: bytearray, i: int) -> int:
    return ((buf[i + 1] & 0x1F) << 8) | buf[i + 2]


def payload_offset(buf: bytearray, i: int) -> int:
    """Where the packet's payload starts (``i + 188`` when it has none)."""
    afc = (buf[i + 3] >> 4) & 0x3
    if not afc & 0x1:
        return i + PACKET_SIZE
    if afc & 0x2:
        return min(i + 5 + buf[i + 4], i + PACKET_SIZE)
    return i + 4


def read_pcr(buf: bytearray, i: int) -> int | None:
    """The PCR base (90 kHz) of a packet whose adaptation field carries one."""
    if not buf[i + 3] & 0x20 or buf[i + 4] < 7 or not buf[i + 5] & 0x10:
        return None
    b = buf
    return (b[i + 6] << 25) | (b[i + 7] << 17) | (b[i + 8] << 9) | (b[i + 9] << 1) | (
        b[i + 10] >> 7)


def write_pcr(buf: bytearray, i: int, base: int) -> None:
    """Replace the PCR base (keeps the 27 MHz extension)."""
    base %= TIMESTAMP_MOD
    buf[i + 6] = (base >> 25) & 0xFF
    buf[i + 7] = (base >> 17) & 0xFF
    buf[i + 8] = (base >> 9) & 0xFF
    buf[i + 9] = (base >> 1) & 0xFF
    buf[i + 10] = ((base & 0x1) << 7) | 0x7E | (buf[i + 10] & 0x01)


def _read_ts(buf: bytearray, j: int) -> int:
    return (((buf[j] >> 1) & 0x07) << 30) | (buf[j + 1] << 22) | ((buf[j + 2] >> 1) << 15) | (
        buf[j + 3] << 7) | (buf[j + 4] >> 1)


def _write_ts(buf: bytearray, j: int, value: int) -> None:
    value %= TIMESTAMP_MOD
    prefix = buf[j] & 0xF0
    buf[j] = prefix | (((value >> 30) & 0x07) << 1) | 0x01
    buf[j + 1] = (value >> 22) & 0xFF
    buf[j + 2] = (((value >> 15) & 0x7F) << 1) | 0x01
    buf[j + 3] = (value >> 7) & 0xFF
    buf[j + 4] = ((value & 0x7F) << 1) | 0x01


def pes_timestamps(buf: bytearray, i: int) -> tuple[int | None, int | None]:
    """(PTS, DTS) of the PES header starting in this packet's payload (PUSI set)."""
    p = payload_offset(buf, i)
    end = i + PACKET_SIZE
    if p + 14 > end or buf[p] != 0 or buf[p + 1] != 0 or buf[p + 2] != 1:
        return None, None
    flags = buf[p + 7] >> 6
    pts = _read_ts(buf, p + 9) if flags & 0x2 else None
    dts = _read_ts(buf, p + 14) if flags == 0x3 and p + 19 <= end else None
    return pts, dts


def set_pes_timestamps(buf: bytearray, i: int, pts: int | None, dts: int | None) -> None:
    """Rewrite the PTS and DTS present in the PES header (``pes_timestamps`` order)."""
    p = payload_offset(buf, i)
    flags = buf[p + 7] >> 6
    if pts is not None and flags & 0x2:
        _write_ts(buf, p + 9, pts)
    if dts is not None and flags == 0x3:
        _write_ts(buf, p + 14, dts)


def psi_section(buf: bytearray, i: int) -> tuple[int, int] | None:
    """(start, end) of the PSI section beginning in this packet (CRC included), or None
    when it does not fit in the packet."""
    p = payload_offset(buf, i)
    if p >= i + PACKET_SIZE:
        return None
    start = p + 1 + buf[p]  # pointer_field
    if start + 3 > i + PACKET_SIZE:
        return None
    length = ((buf[start + 1] & 0x0F) << 8) | buf[start + 2]
    end = start + 3 + length
    if end > i + PACKET_SIZE or length < 9:
        return None
    return start, end


def parse_pat(buf: bytearray, i: int) -> list[int]:
    """The PMT PIDs a PAT packet lists (program 0, the network PID, left out)."""
    sec = psi_section(buf, i)
    if sec is None or buf[sec[0]] != 0x00:
        return []
    start, end = sec
    pids = []
    for j in range(start + 8, end - 4, 4):
        program = (buf[j] << 8) | buf[j + 1]
        if program:
            pids.append(((buf[j + 2] & 0x1F) << 8) | buf[j + 3])
    return pids


@dataclass(frozen=True, slots=True)
class ProgramMap:
    """A PMT: its elementary streams and which of them is video."""

    pcr_pid: int
    streams: tuple[tuple[int, int], ...]  # (pid, stream_type)
    version: int
    #: The section without its version bits and CRC: equal bodies, same program.
    body: bytes
    #: Derived from ``streams`` once: the splicer asks for every packet.
    pids: frozenset[int] = field(init=False)
    video_pid: int | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pids", frozenset(pid for pid, _ in self.streams))
        object.__setattr__(self, "video_pid", next(
            (pid for pid, st in self.streams if st in VIDEO_STREAM_TYPES), None))


def parse_pmt(buf: bytearray, i: int) -> ProgramMap | None:
    sec = psi_section(buf, i)
    if sec is None or buf[sec[0]] != 0x02:
        return None
    start, end = sec
    pcr_pid = ((buf[start + 8] & 0x1F) << 8) | buf[start + 9]
    info_len = ((buf[start + 10] & 0x0F) << 8) | buf[start + 11]
    j = start + 12 + info_len
    streams = []
    while j + 5 <= end - 4:
        stream_type = buf[j]
        pid = ((buf[j + 1] & 0x1F) << 8) | buf[j + 2]
        es_len = ((buf[j + 3] & 0x0F) << 8) | buf[j + 4]
        streams.append((pid, stream_type))
        j += 5 + es_len
    body = bytearray(buf[start:end - 4])
    body[5] &= 0xC1  # version_number out
    return ProgramMap(pcr_pid=pcr_pid, streams=tuple(streams),
                      version=(buf[start + 5] >> 1) & 0x1F, body=bytes(body))


def set_psi_version(buf: bytearray, i: int, version: int) -> None:
    """Give the section in this packet a new version number and a matching CRC."""
    sec = psi_section(buf, i)
    if sec is None:
        return
    start, end = sec
    buf[start + 5] = (buf[start + 5] & 0xC1) | ((version & 0x1F) << 1)
    crc = crc32_mpeg(memoryview(buf)[start:end - 4])
    buf[end - 4:end] = crc.to_bytes(4, "big")
