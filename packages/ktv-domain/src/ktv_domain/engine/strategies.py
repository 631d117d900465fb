"""Fill strategies: each hands out the next item for an occurrence, or None to stop.

Passes (``scheduling.md``): within an occurrence an item is not repeated until
every candidate that fits has been placed once; then a new pass begins, unless
the block has ``loop_on_finish: false``. Every item lasts at least
``MIN_PLAYABLE_SECS``, so a fill always terminates.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Sequence
from random import Random
from typing import Protocol

from ..media import MediaItem
from .occurrences import Occurrence
from .pool_index import FreeSet, PoolIndex, sequential_key
from .recycling import CooldownTracker

__all__ = ["Filler", "ManualFiller", "PoolFiller", "SequentialFiller", "occurrence_seed"]


def occurrence_seed(channel_key: str, block_key: str, start_us: int) -> int:
    """A stable RNG seed from channel, block and occurrence start."""
    digest = hashlib.blake2b(f"{channel_key}|{block_key}|{start_us}".encode(),
                             digest_size=8).digest()
    return int.from_bytes(digest, "big")


class Filler(Protocol):
    def begin(self, occ: Occurrence, primed: Sequence[MediaItem]) -> None:
        """Start an occurrence; ``primed`` already aired in it (a regeneration fills on)."""

    def next(self, remaining_us: int) -> MediaItem | None:
        """The next item to place (it fits ``remaining_us``), or None to end the occurrence."""


class PoolFiller:
    """best_fit (longest that fits, ties by id) and random (seeded draw among those that fit).

    random is equivalent to shuffling the eligible pool and walking it, placing
    what fits: the next item placed is uniform among the unplaced ones that
    still fit. Drawing it directly costs O(log n) instead of a shuffle of n.
    """

    def __init__(self, index: PoolIndex, tracker: CooldownTracker, *, loop: bool,
                 seed_key: tuple[str, str] | None = None) -> None:
        self.index = index
        self._tracker = tracker
        self._loop = loop
        self._seed_key = seed_key
        self._rng: Random | None = None
        self._base = FreeSet(0)
        self._free = FreeSet(0)
        self._in_pass = 0

    def begin(self, occ: Occurrence, primed: Sequence[MediaItem]) -> None:
        cooldown = self._tracker.cooldown_at(occ.start_us, self.index)
        self._base = FreeSet(self.index.n, cooldown.excluded)
        self._free = self._base.copy()
        self._in_pass = 0
        if self._seed_key is not None:
            self._rng = Random(occurrence_seed(*self._seed_key, occ.start_us))
        for item in primed:
            p = self.index.position_of(item.id)
            if p is None or not self._base.is_free(p):
                continue
            if not self._free.is_free(p):
                self._new_pass()
            self._free.take(p)
            self._in_pass += 1

    def _new_pass(self) -> None:
        self._free = self._base.copy()
        self._in_pass = 0

    def _pick(self, first: int) -> int:
        if self._rng is None:
            return self._free.next_free(first)
        return self._free.random_free_from(first, self._rng)

    def next(self, remaining_us: int) -> MediaItem | None:
        first = self.index.first_fitting(remaining_us)
        p = self._pick(first)
        if p >= self.index.n:
            if not self._loop or self._in_pass == 0:
                return None
            self._new_pass()
            p = self._pick(first)
            if p >= self.index.n:
                return None
        self._free.take(p)
        self._in_pass += 1
        return self.index.items[p]


class SequentialFiller:
    """The full pool in its stable order, resuming after the block's last aired item."""

    def __init__(self, index: PoolIndex, last: MediaItem | None, *, loop: bool) -> None:
        self.index = index
        self._items, _ = index.sequential()
        self._last = last
        self._loop = loop
        self._pos = 0
        self._block_us = 0

    def begin(self, occ: Occurrence, primed: Sequence[MediaItem]) -> None:
        self._block_us = occ.end_us - occ.start_us
        if primed:
            self._last = primed[-1]
            _, keys = self.index.sequential()
            if not self._loop and bisect_right(keys, sequential_key(self._last)) >= len(keys):
                self._pos = len(keys)  # the list already ended in this occurrence: stop
                return
        self._pos = self.index.sequential_after(self._last)

    def next(self, remaining_us: int) -> MediaItem | None:
        items = self._items
        n = len(items)
        for _ in range(n):
            if self._pos >= n:
                if not self._loop:
                    return None
                self._pos = 0
            item = items[self._pos]
            dur = item.duration_us
            assert dur is not None
            if dur > self._block_us:  # can never air in this block: skip it
                self._pos += 1
                continue
            if dur > remaining_us:
                return None
            self._pos += 1
            self._last = item
            return item
        return None


class ManualFiller:
    """The listed items in order, from the first, every occurrence."""

    def __init__(self, items: Sequence[MediaItem], *, loop: bool) -> None:
        self._items = list(items)
        self._loop = loop
        self._pos = 0

    def begin(self, occ: Occurrence, primed: Sequence[MediaItem]) -> None:
        self._pos = 0
        n = len(self._items)
        for item in primed:
            if self._pos >= n:
                self._pos = 0
            if self._pos < n and self._items[self._pos].id == item.id:
                self._pos += 1
                continue
            ids = [it.id for it in self._items]
            if item.id in ids:
                self._pos = ids.index(item.id) + 1

    def next(self, remaining_us: int) -> MediaItem | None:
        n = len(self._items)
        if n == 0:
            return None
        if self._pos >= n:
            if not self._loop:
                return None
            self._pos = 0
        item = self._items[self._pos]
        dur = item.duration_us
        assert dur is not None
        if dur > remaining_us:
            return None
        self._pos += 1
        return item
