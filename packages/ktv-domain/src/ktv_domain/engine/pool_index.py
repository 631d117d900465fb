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

    __slots__ = ("_by_source", "_in_parent", "_parent", "_pos", "_seq", "_seq_keys",
                 "_seq_rank", "_source", "durs", "items", "n")

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
        self._init_sorted([playable[i] for i in order], [durs[i] for i in order], pool)

    def _init_sorted(self, items: list[MediaItem], durs: list[int],
                     source: Sequence[MediaItem] = ()) -> None:
        self.items: list[MediaItem] = items
        self.durs: list[int] = durs
        self.n = len(items)
        self._pos: dict[MediaItemId, int] | None = None
        self._seq: list[MediaItem] | None = None
        self._seq_keys: list[SeqKey] | None = None
        self._seq_rank: list[int] | None = None
        self._parent: PoolIndex | None = None
        self._in_parent: list[int] = []
        self._source = source
        self._by_source: list[int] | None = None

    @classmethod
    def subset(cls, parent: PoolIndex, pool: Sequence[MediaItem]) -> PoolIndex | None:
        """The index of ``pool`` cut from ``parent``'s order (an integer sort of the pool's
        positions in the parent), or None when the pool holds items the parent lacks."""
        given = pool.catalog_positions if isinstance(pool, MediaPool) else None
        if given is not None:
            by_source = parent.by_source_position()
            positions = sorted({q for q in (by_source[p] for p in given) if q >= 0})
        else:
            parent_pos = parent.pos
            try:
                positions = sorted({parent_pos[it.id] for it in pool
                                    if it.duration_us is not None})
            except KeyError:
                return None
        items = [parent.items[p] for p in positions]
        index = cls.__new__(cls)
        index._init_sorted(items, [parent.durs[p] for p in positions])
        index._parent = parent
        index._in_parent = positions
        return index

    @classmethod
    def of(cls, pool: Sequence[MediaItem]) -> PoolIndex:
        """The index of ``pool``, cached on it when it is a :class:`MediaPool`."""
        if not isinstance(pool, MediaPool):
            return cls(pool)
        cached = pool._index
        if isinstance(cached, PoolIndex):
            return cached
        index = None
        if pool.catalog is not None and pool.catalog is not pool:
            index = cls.subset(cls.of(pool.catalog), pool)
        if index is None:
            index = cls(pool)
        pool._index = index
        return index

    @property
    def pos(self) -> dict[MediaItemId, int]:
        """Item id -> position (built on first use)."""
        if self._pos is None:
            self._pos = {it.id: i for i, it in enumerate(self.items)}
        return self._pos

    def by_source_position(self) -> list[int]:
        """Position in the pool the index was built from -> position here (-1: unplayable
        or a repeated id)."""
        if self._by_source is None:
            pos = self.pos
            self._by_source = [
                p if p is not None and self.items[p] is it else -1
                for it in self._source for p in (pos.get(it.id),)]
        return self._by_source

    def position_of(self, item_id: MediaItemId) -> int | None:
        """The item's position, or None when it is not in the pool.

        A pool cut from a catalog answers through the catalog's map and a
        bisect, so it never builds a map of its own.
        """
        if self._parent is None:
            return self.pos.get(item_id)
        p = self._parent.position_of(item_id)
        if p is None:
            return None
        i = bisect_left(self._in_parent, p)
        return i if i < self.n and self._in_parent[i] == p else None

    def first_fitting(self, remaining_us: int) -> int:
        """Position of the longest item with duration <= ``remaining_us`` (n if none)."""
        return bisect_left(self.durs, -remaining_us, key=_negate)

    def sequential(self) -> tuple[list[MediaItem], list[SeqKey]]:
        """The playable items in sequential order, with their keys (built lazily, once)."""
        if self._seq is None or self._seq_keys is None:
            if self._parent is not None:  # cut from the catalog's sequential order
                rank = self._parent.sequential_ranks()
                seq, keys = self._parent.sequential()
                order = sorted([rank[p] for p in self._in_parent])
                self._seq = [seq[r] for r in order]
                self._seq_keys = [keys[r] for r in order]
            else:
                keyed = sorted(((sequential_key(it), it) for it in self.items),
                               key=lambda p: p[0])
                self._seq = [it for _, it in keyed]
                self._seq_keys = [k for k, _ in keyed]
        return self._seq, self._seq_keys

    def sequential_ranks(self) -> list[int]:
        """Position -> rank in the sequential order (built once)."""
        if self._seq_rank is None:
            seq, _ = self.sequential()
            pos = self.pos
            rank = [0] * self.n
            for r, it in enumerate(seq):
                rank[pos[it.id]] = r
            self._seq_rank = rank
        return self._seq_rank

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
