"""Channels: a user's broadcast channel and its programming template."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from .errors import FieldError, ValidationError
from .ids import ChannelId, UserId
from .schedule_config import RecyclePolicy, ScheduleConfig

__all__ = ["DEFAULT_CATCHUP_DAYS", "MAX_CATCHUP_DAYS", "STREAM_PROFILES", "Channel", "load_zone",
           "validate_channel_number", "validate_logo_url"]

#: How a channel's stream is made (see docs/streaming.md); None on a channel: the default.
STREAM_PROFILES = ("transcode", "copy")
#: Days of history a channel can be replayed from (catch-up, start-over); 0 turns it off.
DEFAULT_CATCHUP_DAYS = 7
MAX_CATCHUP_DAYS = 30

_NUMBER = re.compile(r"[1-9][0-9]{0,4}(\.[0-9]{1,3})?")
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)


@lru_cache(maxsize=512)
def load_zone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA zone called ``name``; ValidationError when there is none."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        raise ValidationError(f"unknown IANA time zone {name!r}", field="timezone")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValidationError(f"unknown IANA time zone {name!r}", field="timezone") from exc


def validate_channel_number(number: str) -> None:
    if not _NUMBER.fullmatch(number):
        raise ValidationError('must look like "101" or "101.1"', field="number")


def validate_logo_url(url: str | None) -> None:
    if url is not None and (len(url) > 2048 or not _URL.fullmatch(url)):
        raise ValidationError("must be an http(s) URL of at most 2048 characters",
                              field="logo_url")


@dataclass(frozen=True, slots=True, kw_only=True)
class Channel:
    """A named broadcast channel owned by one user."""

    id: ChannelId
    owner_id: UserId
    name: str
    number: str
    created_at: datetime
    updated_at: datetime
    description: str = ""
    timezone: str = "UTC"
    enabled: bool = True
    logo_url: str | None = None
    schedule_config: ScheduleConfig = field(default_factory=ScheduleConfig)
    recycle_policy: RecyclePolicy = field(default_factory=RecyclePolicy)
    #: "transcode", "copy", or None for the server's default (``STREAM_PROFILE``).
    stream_profile: str | None = None
    catchup_days: int = DEFAULT_CATCHUP_DAYS

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if self.stream_profile is not None and self.stream_profile not in STREAM_PROFILES:
            errors.append(FieldError("stream_profile",
                                     f"must be one of {', '.join(STREAM_PROFILES)} or null"))
        if (isinstance(self.catchup_days, bool) or not isinstance(self.catchup_days, int)
                or not 0 <= self.catchup_days <= MAX_CATCHUP_DAYS):
            errors.append(FieldError(
                "catchup_days", f"must be a whole number of days within 0..{MAX_CATCHUP_DAYS}"))
        if not self.name.strip():
            errors.append(FieldError("name", "must not be blank"))
        elif len(self.name) > 200:
            errors.append(FieldError("name", "at most 200 characters"))
        if len(self.description) > 5000:
            errors.append(FieldError("description", "at most 5000 characters"))
        for check in (lambda: load_zone(self.timezone),
                      lambda: validate_channel_number(self.number),
                      lambda: validate_logo_url(self.logo_url)):
            try:
                check()
            except ValidationError as exc:
                errors.extend(exc.errors)
        for name in ("created_at", "updated_at"):
            if getattr(self, name).utcoffset() is None:
                errors.append(FieldError(name, "must be timezone-aware"))
        if errors:
            raise ValidationError(errors)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return load_zone(self.timezone)
