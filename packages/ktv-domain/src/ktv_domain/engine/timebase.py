"""The engine counts time in integer microseconds since the Unix epoch (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["EPOCH", "US_PER_SEC", "from_us", "to_us"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US_PER_SEC = 1_000_000
_ONE_US = timedelta(microseconds=1)


def to_us(dt: datetime) -> int:
    """An aware datetime as microseconds since the epoch."""
    if dt.utcoffset() is None:
        raise ValueError("naive datetime: the engine needs timezone-aware datetimes")
    return (dt - EPOCH) // _ONE_US


def from_us(us: int) -> datetime:
    """Microseconds since the epoch as an aware UTC datetime."""
    return EPOCH + timedelta(microseconds=us)
