"""Struct policies shared by every wire type."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

__all__ = ["Request", "Response", "utc"]


class Request(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A request body: unknown fields are refused (422 naming the field)."""


class Response(msgspec.Struct, kw_only=True):
    """A response body."""


def utc(value: datetime) -> datetime:
    """An aware datetime in UTC (encoded with a ``Z`` suffix)."""
    return value.astimezone(UTC)
