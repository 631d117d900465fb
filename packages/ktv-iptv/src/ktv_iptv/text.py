"""Text as the IPTV documents need it: one line or one paragraph, XML-safe, M3U-safe.

Library metadata (``.nfo`` files, Jellyfin overviews) can hold anything: control
characters that XML 1.0 forbids, stray line breaks in titles, replacement
characters from a bad decode. ``tv_validate_file`` flags the last ones
(``badutf8``: U+FFFD, C1 controls), so they are dropped here too.
"""

from __future__ import annotations

import re
from xml.sax import saxutils

__all__ = ["attr", "escape", "m3u_attr", "m3u_display_name", "one_line", "paragraph"]

#: Characters XML 1.0 forbids, C1 controls and U+FFFD (``tv_validate_file``'s badutf8).
_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ufffe\uffff\ud800-\udfff]"
                   "|\u00ef\u00bf\u00bd")
_SPACES = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"\r\n?")
_BLANK_LINES = re.compile(r"\n[ \t]*\n[\s]*")
#: A leading token Jellyfin reads as a channel number ("24 Hours" -> "Hours").
_NUMBER_PREFIX = re.compile(r"[+-]?(\d[\d.]*|\.\d+)([eE][+-]?\d+)?\.? ")
#: Looks like a comma, is not one: Jellyfin names a channel after the last comma.
COMMA_LOOKALIKE = "\u201a"
NO_BREAK_SPACE = "\u00a0"


def one_line(text: str | None) -> str:
    """``text`` on one line: forbidden characters dropped, whitespace runs made one space."""
    if not text:
        return ""
    return _SPACES.sub(" ", _DROP.sub("", text)).strip()


def paragraph(text: str | None) -> str:
    """``text`` as a description: forbidden characters dropped, line breaks kept (``\\n``),
    blank-line runs made one blank line, the whole stripped."""
    if not text:
        return ""
    text = _LINE_BREAKS.sub("\n", _DROP.sub("", text))
    return _BLANK_LINES.sub("\n\n", text).strip()


def escape(text: str) -> str:
    """Character data for XML."""
    return saxutils.escape(text)


def attr(text: str) -> str:
    """A double-quoted XML attribute value."""
    return saxutils.escape(text, _QUOTE)


_QUOTE = {'"': "&quot;"}


def m3u_attr(text: str | None) -> str:
    """An ``#EXTINF`` attribute value: one line, no double quote (M3U has no escaping)."""
    return one_line(text).replace('"', "'")


def m3u_display_name(name: str) -> str:
    """The name after the comma of an ``#EXTINF`` line, as Jellyfin will read it.

    Jellyfin (``M3uParser.GetChannelName``) takes the text after the *last* comma
    and strips a leading number followed by a space (SatIP style "84. VOX"). So
    commas become a look-alike (U+201A) and the space after a leading number a
    no-break space: the name shown is the channel's name, not a fragment of it.
    Double quotes become single ones, as in attribute values (a name such as
    ``x="y"`` would otherwise read as an attribute).
    """
    shown = one_line(name).replace(",", COMMA_LOOKALIKE).replace('"', "'")
    match = _NUMBER_PREFIX.match(shown)
    if match:
        end = match.end() - 1
        shown = shown[:end] + NO_BREAK_SPACE + shown[end + 1:]
    return shown
