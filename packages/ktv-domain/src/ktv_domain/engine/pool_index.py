"""A search index over a pool: longest-first order, bisect by remaining time.

Built once per pool in O(n log n) and cached on :class:`MediaPool`, so every
occurrence of every generation that uses the pool shares it. Picking the
longest item that fits is a bisect plus a "next free slot" lookup in a
path-compressed skip map, so a whole fill costs O(picks * log n), not
O(picks * n).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import date
from random import Random

from ..ids import MediaItemId
from ..media import MediaItem, MediaPool

__all__ = ["FreeSet", "PoolIndex", "sequential_key"]

SeqKey = tuple[int, str, int, int, int, str, str]


def sequential_key(item: MediaItem) -> SeqKey:
    """The stable order of sequential blocks: series, season, episode, premiere, title, id.

    Items with a series come before items without; unknown season/episode
    numbers sort first within their series; the premiere date falls back to
    1 January of the year.
    """
    series = item.series_name
    premiere = item.premiere_date or (date(item.year, 1, 1) if item.year else None)
    return (
        0 if series else 1,
        series.casefold() if series else "",
        item.season_number if item.season_number is not None else -1,
        item.episode_number if item.episode_number is not None else -1,
        premiere.toordinal() if premiere else 0,
        item.title.casefold(),
        item.id,
    )


def _negate(d: int) -> int:
    return -d


class PoolIndex:
    """The playable items of a pool, longest first (ties by id ascending)."""

    __slots__ = ("_pos", "_seq", "_seq_keys", "durs", "items", "n")

    def __init__(self, pool: Sequence[MediaItem]) -> None:
        playable = [it for it in pool if it.duration_us is not None]
        ids = [it.id for it in playable]
        if len(set(ids)) != len(ids):  # keep the first of each id
            first = {i: k for k, i in reversed(list(enumerate(ids)))}
            playable = [it for k, it in enumerate(playable) if first[it.id] == k]
        n = len(playable)
        durs: list[int] = [it.duration_us for it in playable]  # type: ignore[misc]
        if len(set(durs)) < n:  # ties exist: break them by id
            playable.sort(key=lambda it: it.id)
            durs = [it.duration_us for it in playable]  # type: ignore[misc]
        # One sort of plain integers: duration descending, then position ascending.
        keys = [d * n + (n - 1 - i) for i, d in enumerate(durs)]
        keys.sort(reverse=True)
        order = [n - 1 - k % n for k in keys]
        sdurs = [durs[i] for i in order]
        self.items: list[MediaItem] = [playable[i] for i in order]
        self.durs: list[int] = sdurs
        self.n = n
        self._pos: dict[MediaItemId, int] | None = None
        self._seq: list[MediaItem] | None = None
        self._seq_keys: list[SeqKey] | None = None

    @classmethod
    def of(cls, pool: Sequence[MediaItem]) -> PoolIndex:
        """The index of ``pool``, cached on it when it is a :class:`MediaPool`."""
        if isinstance(pool, MediaPool):
            cached = pool._index
            if isinstance(cached, PoolIndex):
                return cached
            index = cls(pool)
            pool._index = index
            return index
        return cls(pool)

    @property
    def pos(self) -> dict[MediaItemId, int]:
        """Item id -> position (built on first use: cooldowns and regenerations need it)."""
        if self._pos is None:
            self._pos = {it.id: i for i, it in enumerate(self.items)}
        return self._pos

    def first_fitting(self, remaining_us: int) -> int:
        """Position of the longest item with duration <= ``remaining_us`` (n if none)."""
        return bisect_left(self.durs, -remaining_us, key=_negate)

    @property
    def shortest_us(self) -> int | None:
        return self.durs[-1] if self.n else None

    def sequential(self) -> tuple[list[MediaItem], list[SeqKey]]:
        """The playable items in sequential order, with their keys (built lazily, once)."""
        if self._seq is None or self._seq_keys is None:
            pairs = sorted(((sequential_key(it), it) for it in self.items), key=lambda p: p[0])
            self._seq = [it for _, it in pairs]
            self._seq_keys = [k for k, _ in pairs]
        return self._seq, self._seq_keys

    def sequential_after(self, last: MediaItem | None) -> int:
        """Where a sequential block resumes after ``last`` (0 when unknown or at the end)."""
        if last is None:
            return 0
        _, keys = self.sequential()
        i = bisect_right(keys, sequential_key(last))
        return 0 if i >= len(keys) else i


class FreeSet:
    """Which positions of ``[0, n)`` are still free, with O(α) "next free >= i"."""

    __slots__ = ("_jump", "_taken", "n")

    def __init__(self, n: int, taken: Sequence[int] = ()) -> None:
        self.n = n
        self._jump: dict[int, int] = {}
        self._taken: list[int] = []
        for i in sorted(set(taken)):
            self.take(i)

    def copy(self) -> FreeSet:
        other = FreeSet(self.n)
        other._jump = dict(self._jump)
        other._taken = list(self._taken)
        return other

    def is_free(self, i: int) -> bool:
        return i not in self._jump

    def next_free(self, i: int) -> int:
        """The smallest free position >= i, or n."""
        jump = self._jump
        path: list[int] = []
        while i in jump:
            path.append(i)
            i = jump[i]
        for k in path:
            jump[k] = i
        return i

    def take(self, i: int) -> None:
        if i not in self._jump:
            self._jump[i] = i + 1
            self._taken.insert(bisect_left(self._taken, i), i)

    def free_count_from(self, i: int) -> int:
        return (self.n - i) - (len(self._taken) - bisect_left(self._taken, i))

    def random_free_from(self, i: int, rng: Random) -> int:
        """A uniformly drawn free position >= i, or n when there is none."""
        free = self.free_count_from(i)
        if free <= 0:
            return self.n
        span = self.n - i
        if free * 4 >= span:  # mostly free: rejection sampling is O(1) expected
            while True:
                j = i + rng.randrange(span)
                if j not in self._jump:
                    return j
        k = rng.randrange(free)  # sparse: walk to the k-th free position
        j = self.next_free(i)
        for _ in range(k):
            j = self.next_free(j + 1)
        return j
