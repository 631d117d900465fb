"""The ``Range: bytes=...`` request header (RFC 9110 section 14), for one file.

:func:`parse_range` answers what to send for a representation of ``size``
bytes: the whole of it (no header, a header we ignore), one span (206), or
nothing satisfiable (416). Following RFC 9110, a malformed header, another
unit, or an empty file is ignored rather than refused (a 200 with everything).

Only one part is ever sent: several ranges that overlap or touch are merged
into one span; disjoint ones make us ignore the header and send the whole file
(a server may always ignore ``Range``), since players seek with one range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["ByteSpan", "Unsatisfiable", "parse_range"]

#: More ranges than this in one header are ignored outright (a cheap DoS guard).
MAX_RANGES: Final = 16
_SPEC = re.compile(r"([0-9]*)-([0-9]*)")
#: Beyond any file size we could serve; longer numbers are clamped to it.
_HUGE: Final = 1 << 63


@dataclass(frozen=True, slots=True)
class ByteSpan:
    """Bytes ``first`` to ``last`` inclusive of a representation of ``size`` bytes."""

    first: int
    last: int
    size: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    @property
    def content_range(self) -> str:
        return f"bytes {self.first}-{self.last}/{self.size}"


@dataclass(frozen=True, slots=True)
class Unsatisfiable:
    """No requested range overlaps the representation: a 416."""

    size: int

    @property
    def content_range(self) -> str:
        return f"bytes */{self.size}"


def parse_range(header: str | None, size: int) -> ByteSpan | Unsatisfiable | None:
    """What to send for ``Range: header`` over ``size`` bytes; None means the whole file."""
    if header is None or size <= 0:
        return None
    unit, sep, range_set = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    specs = [s.strip() for s in range_set.split(",")]
    specs = [s for s in specs if s]  # RFC 9110 list syntax: empty elements are allowed
    if not specs or len(specs) > MAX_RANGES:
        return None
    spans: list[tuple[int, int]] = []
    for spec in specs:
        match = _SPEC.fullmatch(spec)
        if match is None:
            return None
        first_text, last_text = match.groups()
        if not first_text and not last_text:
            return None
        if not first_text:  # suffix-range: the last n bytes
            suffix = _number(last_text)
            if suffix > 0:
                spans.append((max(0, size - suffix), size - 1))
            continue
        first = _number(first_text)
        last = _number(last_text) if last_text else _HUGE
        if last < first:  # syntactically invalid: ignore the whole header
            return None
        if first < size:
            spans.append((first, min(last, size - 1)))
    if not spans:
        return Unsatisfiable(size)
    spans.sort()
    first, last = spans[0]
    for lo, hi in spans[1:]:
        if lo > last + 1:  # disjoint: a multipart answer we do not make
            return None
        last = max(last, hi)
    return ByteSpan(first, last, size)


def _number(digits: str) -> int:
    """A non-negative decimal of any length (huge values are clamped, never converted)."""
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) <= 18 else _HUGE
