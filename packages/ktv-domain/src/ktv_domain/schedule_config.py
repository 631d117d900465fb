"""The programming template: blocks, their content, and the recycle policy."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import time
from enum import StrEnum

from .errors import FieldError, ValidationError
from .ids import BlockId, MediaItemId
from .media_filter import MediaFilter

__all__ = [
    "DAY_SECS",
    "MAX_BLOCKS",
    "MAX_MANUAL_ITEMS",
    "AlgorithmicContent",
    "BlockContent",
    "FillStrategy",
    "ManualContent",
    "ProgrammingBlock",
    "RecyclePolicy",
    "ScheduleConfig",
]

DAY_SECS = 86_400
MAX_BLOCKS = 96
MAX_MANUAL_ITEMS = 1000


class FillStrategy(StrEnum):
    BEST_FIT = "best_fit"
    SEQUENTIAL = "sequential"
    RANDOM = "random"


@dataclass(frozen=True, slots=True, kw_only=True)
class AlgorithmicContent:
    filter: MediaFilter
    strategy: FillStrategy


@dataclass(frozen=True, slots=True, kw_only=True)
class ManualContent:
    items: tuple[MediaItemId, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.items) <= MAX_MANUAL_ITEMS:
            raise ValidationError(f"must list 1..{MAX_MANUAL_ITEMS} item ids", field="items")
        if any(not i for i in self.items):
            raise ValidationError("item ids must not be empty", field="items")


BlockContent = AlgorithmicContent | ManualContent


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgrammingBlock:
    """A daily window of local wall-clock time and how to fill it."""

    id: BlockId
    name: str
    start_time: time
    duration_mins: int
    content: BlockContent
    loop_on_finish: bool = True

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if not self.name.strip():
            errors.append(FieldError("name", "must not be blank"))
        elif len(self.name) > 200:
            errors.append(FieldError("name", "at most 200 characters"))
        if self.start_time.tzinfo is not None or self.start_time.microsecond:
            errors.append(FieldError("start_time", "must be a local time HH:MM or HH:MM:SS"))
        if not 1 <= self.duration_mins <= 1440:
            errors.append(FieldError("duration_mins", "must be between 1 and 1440"))
        if errors:
            raise ValidationError(errors)

    @property
    def start_secs(self) -> int:
        """Seconds after local midnight."""
        t = self.start_time
        return t.hour * 3600 + t.minute * 60 + t.second

    @property
    def duration_secs(self) -> int:
        return self.duration_mins * 60

    def overlaps(self, other: ProgrammingBlock) -> bool:
        """Whether the two blocks share any moment of the daily cycle (wrapping midnight)."""
        a0, a1 = self.start_secs, self.start_secs + self.duration_secs
        for shift in (-DAY_SECS, 0, DAY_SECS):
            b0 = other.start_secs + shift
            if a0 < b0 + other.duration_secs and b0 < a1:
                return True
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleConfig:
    """An ordered list of non-overlapping programming blocks."""

    blocks: tuple[ProgrammingBlock, ...] = ()

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if len(self.blocks) > MAX_BLOCKS:
            errors.append(FieldError("blocks", f"at most {MAX_BLOCKS} blocks"))
        seen: dict[BlockId, int] = {}
        for i, block in enumerate(self.blocks):
            if block.id in seen:
                errors.append(FieldError(f"blocks[{i}].id",
                                         f"duplicates the id of blocks[{seen[block.id]}]"))
            seen.setdefault(block.id, i)
        for i, a in enumerate(self.blocks):
            for j in range(i + 1, len(self.blocks)):
                b = self.blocks[j]
                if a.overlaps(b):
                    errors.append(FieldError(
                        f"blocks[{j}]",
                        f"block {b.name!r} ({b.id}) overlaps block {a.name!r} ({a.id}) "
                        "in the daily schedule",
                    ))
        if errors:
            raise ValidationError(errors)

    def block(self, block_id: BlockId) -> ProgrammingBlock | None:
        return next((b for b in self.blocks if b.id == block_id), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecyclePolicy:
    """When an aired item becomes eligible again (best_fit and random blocks)."""

    cooldown_days: int | None = 7
    cooldown_generations: int | None = None
    min_available_ratio: float = 0.2

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if self.cooldown_days is not None and not 0 <= self.cooldown_days <= 3650:
            errors.append(FieldError("cooldown_days", "must be between 0 and 3650, or null"))
        if self.cooldown_generations is not None and not 0 <= self.cooldown_generations <= 10_000:
            errors.append(FieldError("cooldown_generations",
                                     "must be between 0 and 10000, or null"))
        r = self.min_available_ratio
        if math.isnan(r) or not 0.0 <= r <= 1.0:
            errors.append(FieldError("min_available_ratio", "must be between 0.0 and 1.0"))
        if errors:
            raise ValidationError(errors)

    @property
    def has_cooldown(self) -> bool:
        return bool(self.cooldown_days) or bool(self.cooldown_generations)
