"""The M3U ("M3U Plus") playlist IPTV players and Jellyfin read (protocols.md section 3).

Line 1 is ``#EXTM3U`` with the guide URL twice (``url-tvg`` for TiviMate, ``x-tvg-url``
for Kodi); each channel is an ``#EXTINF:-1`` line with non-empty, quote-free
attributes and its display name after the comma, then its absolute stream URL.

A channel with a catch-up window also says how to replay it, in the convention
Kodi IPTV Simple and TiviMate read: ``catchup="append"`` (add the source to the
stream URL), ``catchup-days`` and ``catchup-source="?utc={utc}&lutc={lutc}"``,
where the player puts the programme's start (``{utc}``) and the current time
(``{lutc}``) in Unix seconds; our stream routes replay from ``utc`` and ignore
``lutc``. When the stream URL already has a query (a signed link), the source
starts with ``&`` instead (``append`` adds it as it is).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .text import m3u_attr, m3u_display_name

__all__ = ["CATCHUP_QUERY", "M3U_CONTENT_TYPE", "M3uChannel", "render_m3u"]

M3U_CONTENT_TYPE = "audio/x-mpegurl; charset=utf-8"
#: What a player appends (filled in) to replay from a programme's start.
CATCHUP_QUERY = "utc={utc}&lutc={lutc}"


@dataclass(frozen=True, slots=True, kw_only=True)
class M3uChannel:
    tvg_id: str
    number: str
    name: str
    logo_url: str
    group: str
    stream_url: str
    #: Days of catch-up the channel offers (0: no catch-up attributes).
    catchup_days: int = 0


def _attrs(pairs: Iterable[tuple[str, str | None]]) -> str:
    """``key="value"`` pairs; empty values are left out (Jellyfin's regex needs one
    character at least, and an empty attribute means nothing to any player)."""
    out = []
    for key, value in pairs:
        cleaned = m3u_attr(value)
        if cleaned:
            out.append(f'{key}="{cleaned}"')
    return " ".join(out)


def render_m3u(channels: Iterable[M3uChannel], *, guide_url: str) -> str:
    """The playlist text (LF line ends, no BOM), channels in the order given."""
    lines = ["#EXTM3U " + _attrs([("url-tvg", guide_url), ("x-tvg-url", guide_url)])]
    for ch in channels:
        pairs: list[tuple[str, str | None]] = [
            ("tvg-id", ch.tvg_id), ("tvg-chno", ch.number), ("tvg-name", ch.name),
            ("tvg-logo", ch.logo_url), ("group-title", ch.group)]
        if ch.catchup_days > 0:
            joiner = "&" if "?" in ch.stream_url else "?"
            pairs += [("catchup", "append"), ("catchup-days", str(ch.catchup_days)),
                      ("catchup-source", f"{joiner}{CATCHUP_QUERY}")]
        attrs = _attrs(pairs)
        lines.append(f"#EXTINF:-1 {attrs},{m3u_display_name(ch.name)}")
        lines.append(ch.stream_url)
    return "\n".join(lines) + "\n"
