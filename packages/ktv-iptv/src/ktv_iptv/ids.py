"""Identifiers the IPTV clients keep: XMLTV channel ids and the HDHomeRun device id.

XMLTV channel ids are derived from the channel's UUID, never from its number or
name, so a rename or a renumbering keeps every client's guide mapping. All ids
have the same length and end in the same suffix, so none is a prefix of another
(Plex merges the guides of channels 1 and 10 when one id prefixes another:
tunarr#692), and they contain a dot (``tv_validate_file`` wants
``^[-a-zA-Z0-9]+(\\.[-a-zA-Z0-9]+)+$``).
"""

from __future__ import annotations

import hashlib
import re
import uuid

__all__ = ["XMLTV_ID_SUFFIX", "hdhr_device_auth", "hdhr_device_id", "is_valid_hdhr_device_id",
           "xmltv_channel_id"]

XMLTV_ID_SUFFIX = ".k-tv"
#: ``tv_validate_file``'s rule for channel ids.
XMLTV_ID_RULE = re.compile(r"^[-a-zA-Z0-9]+(\.[-a-zA-Z0-9]+)+$")
#: libhdhomerun's check-digit table (``hdhomerun_discover_validate_device_id``).
_LOOKUP = (0xA, 0x5, 0xF, 0x6, 0x7, 0xC, 0x1, 0xB, 0x9, 0x2, 0x8, 0xD, 0x4, 0x3, 0xE, 0x0)


def xmltv_channel_id(channel_id: uuid.UUID) -> str:
    """``<32 hex digits>.k-tv``: 37 characters for every channel."""
    return f"{channel_id.hex}{XMLTV_ID_SUFFIX}"


def _checksum(nibbles: list[int]) -> int:
    """XOR of the eight nibbles, looked up at the even positions (most significant first)."""
    out = 0
    for i, n in enumerate(nibbles):
        out ^= _LOOKUP[n] if i % 2 == 0 else n
    return out


def is_valid_hdhr_device_id(device_id: str) -> bool:
    """Whether ``device_id`` (8 hex digits) passes SiliconDust's self-check."""
    if not re.fullmatch(r"[0-9A-Fa-f]{8}", device_id):
        return False
    return _checksum([int(c, 16) for c in device_id]) == 0


def hdhr_device_id(seed: bytes) -> str:
    """Eight upper-case hex digits derived from ``seed``, the last one a check digit
    that makes the id valid for libhdhomerun (what real tuners carry)."""
    digest = hashlib.sha256(b"ktv hdhr device id\n" + seed).digest()
    nibbles = [int(c, 16) for c in digest.hex()[:7]]
    nibbles.append(_checksum([*nibbles, 0]))  # the last nibble is XORed in plainly
    return "".join(f"{n:X}" for n in nibbles)


def hdhr_device_auth(seed: bytes) -> str:
    """A stable ``DeviceAuth`` string (real tuners use it with SiliconDust's guide
    service; clients of an emulated tuner only echo it). Not a credential."""
    return hashlib.sha256(b"ktv hdhr device auth\n" + seed).hexdigest()[:24]
