"""The recycle policy: which items of a pool are on cooldown at an occurrence.

An item is on cooldown at an occurrence starting at S when, before S, it was
scheduled on the channel at a time >= S - ``cooldown_days`` days, or by a
generation >= G - ``cooldown_generations``, G being the generation under
construction: the N previous generations and earlier placements of this one.
Zero (or null) switches a rule off. When fewer than ``ceil(min_available_ratio * pool)``
items remain eligible, cooled items are re-admitted, least recently scheduled
first (ties by id), until that many are.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from ..ids import MediaItemId
from ..schedule import ScheduleRecord
from ..schedule_config import RecyclePolicy
from .pool_index import PoolIndex
from .timebase import US_PER_SEC, to_us

__all__ = ["Cooldown", "CooldownTracker", "required_available"]

_DAY_US = 86_400 * US_PER_SEC


def required_available(ratio: float, pool_size: int) -> int:
    """``ceil(ratio * pool_size)`` on the ratio's decimal value (0.28 * 25 = 7, not 8)."""
    return math.ceil(Fraction(repr(ratio)) * pool_size)


@dataclass(frozen=True, slots=True)
class Cooldown:
    """The cooldown state of one pool at one occurrence."""

    excluded: list[int]  # pool positions that may not air
    readmitted: list[MediaItemId]  # cooled items let back in by the ratio rule


class CooldownTracker:
    """Sweeps the channel's scheduling history forward, occurrence by occurrence."""

    def __init__(self, policy: RecyclePolicy, generation: int,
                 history: Iterable[ScheduleRecord]) -> None:
        self._policy = policy
        self._generation = generation
        self._pending: list[tuple[int, int, MediaItemId]] = [
            (to_us(r.scheduled_at), r.generation, r.item_id) for r in history]
        heapq.heapify(self._pending)
        self._last_at: dict[MediaItemId, int] = {}
        self._last_gen: dict[MediaItemId, int] = {}

    def note_placed(self, item_id: MediaItemId, at_us: int) -> None:
        """Record a placement of the generation being built."""
        heapq.heappush(self._pending, (at_us, self._generation, item_id))

    def _advance(self, until_us: int) -> None:
        pending, last_at, last_gen = self._pending, self._last_at, self._last_gen
        while pending and pending[0][0] < until_us:
            at, gen, item = heapq.heappop(pending)
            if at > last_at.get(item, -1 << 62):
                last_at[item] = at
            if gen > last_gen.get(item, -1):
                last_gen[item] = gen

    def cooldown_at(self, start_us: int, index: PoolIndex) -> Cooldown:
        """Which of ``index``'s items are on cooldown for an occurrence starting at start_us."""
        self._advance(start_us)
        policy = self._policy
        if not policy.has_cooldown or index.n == 0:
            return Cooldown([], [])
        day_cut = start_us - policy.cooldown_days * _DAY_US if policy.cooldown_days else None
        gen_cut = (self._generation - policy.cooldown_generations
                   if policy.cooldown_generations else None)
        cooled: list[tuple[int, MediaItemId, int]] = []
        for item, at in self._last_at.items():
            p = index.position_of(item)
            if p is None:
                continue
            if (day_cut is not None and at >= day_cut) or (
                    gen_cut is not None and self._last_gen[item] >= gen_cut):
                cooled.append((at, item, p))
        shortfall = required_available(policy.min_available_ratio, index.n) - (
            index.n - len(cooled))
        readmitted: list[MediaItemId] = []
        if shortfall > 0:
            cooled.sort()
            readmitted = [item for _, item, _ in cooled[:shortfall]]
            cooled = cooled[shortfall:]
        return Cooldown([p for _, _, p in cooled], readmitted)
