"""MediaFilter: the provider-agnostic description of an algorithmic block's pool."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import FieldError, ValidationError
from .media import ContentType, MediaItem

__all__ = ["MediaFilter"]

_MAX_LIST = 100


def _fold(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(v.casefold() for v in values)


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaFilter:
    """Which items an algorithmic block may use.

    Each list means "any of" and an empty list means no constraint. Genres,
    tags and series compare case-insensitively; collections compare exactly
    (they are provider ids). ``decade`` 1990 means years 1990..1999. Duration
    bounds are inclusive. Items of unknown duration never match.
    """

    content_type: ContentType | None = None
    genres: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()
    series: tuple[str, ...] = ()
    decade: int | None = None
    min_duration_secs: int | None = None
    max_duration_secs: int | None = None
    _genres: frozenset[str] = field(init=False, repr=False, compare=False)
    _tags: frozenset[str] = field(init=False, repr=False, compare=False)
    _series: frozenset[str] = field(init=False, repr=False, compare=False)
    _collections: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        for name in ("genres", "tags", "collections", "series"):
            values: tuple[str, ...] = getattr(self, name)
            if len(values) > _MAX_LIST:
                errors.append(FieldError(name, f"at most {_MAX_LIST} values"))
            if any(not v.strip() for v in values):
                errors.append(FieldError(name, "values must not be blank"))
        if self.decade is not None and (self.decade % 10 or not 1800 <= self.decade <= 2200):
            errors.append(FieldError("decade", "must be a year that is a multiple of 10 "
                                               "(1800..2200), e.g. 1990"))
        lo, hi = self.min_duration_secs, self.max_duration_secs
        if lo is not None and lo < 0:
            errors.append(FieldError("min_duration_secs", "must be >= 0"))
        if hi is not None and hi < 0:
            errors.append(FieldError("max_duration_secs", "must be >= 0"))
        if lo is not None and hi is not None and lo > hi:
            errors.append(FieldError("min_duration_secs",
                                     "must be less than or equal to max_duration_secs"))
        if errors:
            raise ValidationError(errors)
        object.__setattr__(self, "_genres", _fold(self.genres))
        object.__setattr__(self, "_tags", _fold(self.tags))
        object.__setattr__(self, "_series", _fold(self.series))
        object.__setattr__(self, "_collections", frozenset(self.collections))

    def matches(self, item: MediaItem) -> bool:
        """The reference semantics every provider must reproduce."""
        if item.duration_us is None:
            return False
        if self.content_type is not None and item.content_type is not self.content_type:
            return False
        secs = item.duration_secs
        assert secs is not None  # implied by duration_us
        if self.min_duration_secs is not None and secs < self.min_duration_secs:
            return False
        if self.max_duration_secs is not None and secs > self.max_duration_secs:
            return False
        if self.decade is not None and (item.year is None
                                        or not self.decade <= item.year <= self.decade + 9):
            return False
        if self._genres and self._genres.isdisjoint(g.casefold() for g in item.genres):
            return False
        if self._tags and self._tags.isdisjoint(t.casefold() for t in item.tags):
            return False
        if self._collections and self._collections.isdisjoint(item.collections):
            return False
        return not (self._series and (item.series_name is None
                                      or item.series_name.casefold() not in self._series))
