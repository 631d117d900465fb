"""Wall-clock expansion: blocks x local dates -> UTC occurrences.

* Local start = date + ``start_time`` in the channel's zone. A time inside a
  spring-forward gap moves forward by the gap (PEP 495 ``fold=0`` reads it
  with the offset in force before the transition, which lands exactly there);
  an ambiguous fall-back time takes its first instant (``fold=0``).
* An occurrence lasts ``duration_mins`` of real time, clipped at the start of
  the next occurrence (any block). Ties on the start instant are ordered by
  the nominal local time, so a block pushed forward by a DST gap yields to the
  block that really starts there; zero-length occurrences are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from ..schedule_config import ProgrammingBlock
from .timebase import US_PER_SEC, from_us, to_us

__all__ = ["Occurrence", "expand_occurrences"]


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One block on one local calendar date, resolved to UTC (``[start, end)``)."""

    block: ProgrammingBlock
    local_date: date
    start_us: int
    end_us: int

    @property
    def start(self) -> datetime:
        return from_us(self.start_us)

    @property
    def end(self) -> datetime:
        return from_us(self.end_us)


def _local_start_us(day: date, block: ProgrammingBlock, zone: tzinfo) -> int:
    local = datetime.combine(day, block.start_time, tzinfo=zone)  # fold=0
    return to_us(local.astimezone(UTC))


def expand_occurrences(blocks: Sequence[ProgrammingBlock], zone: tzinfo,
                       start: datetime, until: datetime) -> list[Occurrence]:
    """Occurrences that end after ``start`` and begin before ``until``, in time order."""
    if not blocks or until <= start:
        return []
    first = start.astimezone(zone).date() - timedelta(days=2)
    last = until.astimezone(zone).date() + timedelta(days=2)
    raw: list[tuple[int, datetime, int, date, ProgrammingBlock]] = []
    day = first
    while day <= last:
        for order, block in enumerate(blocks):
            nominal = datetime.combine(day, block.start_time)
            raw.append((_local_start_us(day, block, zone), nominal, order, day, block))
        day += timedelta(days=1)
    raw.sort(key=lambda r: (r[0], r[1], r[2]))
    start_us, until_us = to_us(start), to_us(until)
    out: list[Occurrence] = []
    for i, (s, _nominal, _order, d, block) in enumerate(raw):
        e = s + block.duration_mins * 60 * US_PER_SEC
        if i + 1 < len(raw):
            e = min(e, raw[i + 1][0])
        if e > s and e > start_us and s < until_us:
            out.append(Occurrence(block=block, local_date=d, start_us=s, end_us=e))
    return out
