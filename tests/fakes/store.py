"""An in-memory database with transactions: the fake behind every repository port.

A unit of work reads and writes a private copy; ``commit`` replays its
writes on a fresh copy of the live data, constraint checks included, and
swaps it in only if all of them pass (so a commit is atomic and a
concurrent winner is seen, as in a real database).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self

from ktv_domain import (
    MAX_SLOT_LENGTH,
    BlockContinuity,
    BlockId,
    Channel,
    ChannelId,
    Conflict,
    DuplicateEmail,
    Email,
    FeedToken,
    GeneratedSchedule,
    GenerationSummary,
    IndexedFile,
    MediaItemId,
    NotFound,
    ScanStatus,
    ScheduledSlot,
    ScheduleHead,
    ScheduleRecord,
    User,
    UserId,
    ValidationError,
)


@dataclass
class _Data:
    users: dict[UserId, User] = field(default_factory=dict)
    channels: dict[ChannelId, Channel] = field(default_factory=dict)
    generations: dict[ChannelId, dict[int, GenerationSummary]] = field(default_factory=dict)
    slots: dict[ChannelId, list[ScheduledSlot]] = field(default_factory=dict)
    records: dict[ChannelId, list[ScheduleRecord]] = field(default_factory=dict)
    media_files: dict[MediaItemId, IndexedFile] = field(default_factory=dict)
    feed_tokens: dict[uuid.UUID, FeedToken] = field(default_factory=dict)
    scans: dict[str, ScanStatus] = field(default_factory=dict)

    def copy(self) -> _Data:
        return _Data(
            users=dict(self.users), channels=dict(self.channels),
            media_files=dict(self.media_files), feed_tokens=dict(self.feed_tokens),
            scans=dict(self.scans),
            generations={k: dict(v) for k, v in self.generations.items()},
            slots={k: list(v) for k, v in self.slots.items()},
            records={k: list(v) for k, v in self.records.items()})


Op = Callable[[_Data], object]


class InMemoryStore:
    """The live data that units of work commit into."""

    def __init__(self) -> None:
        self.data = _Data()
        self.commits = 0

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self)


# -- operations: each checks its constraints against the data it runs on ---------------

def _add_user(user: User) -> Op:
    def op(d: _Data) -> None:
        if user.id in d.users or any(u.email == user.email for u in d.users.values()):
            raise DuplicateEmail("an account with this email already exists")
        if user.oidc_subject and any(u.oidc_subject == user.oidc_subject
                                     for u in d.users.values()):
            raise Conflict("this identity is already linked to an account")
        d.users[user.id] = user
    return op


def _update_user(user: User) -> Op:
    def op(d: _Data) -> None:
        if user.id not in d.users:
            raise NotFound("user not found")
        if any(u.email == user.email and u.id != user.id for u in d.users.values()):
            raise DuplicateEmail("an account with this email already exists")
        d.users[user.id] = user
    return op


def _delete_channel_rows(d: _Data, channel_id: ChannelId) -> bool:
    existed = d.channels.pop(channel_id, None) is not None
    for table in (d.generations, d.slots, d.records):
        table.pop(channel_id, None)
    return existed


def _delete_user(user_id: UserId) -> Op:
    def op(d: _Data) -> bool:
        existed = d.users.pop(user_id, None) is not None
        for token in [t for t in d.feed_tokens.values() if t.user_id == user_id]:
            del d.feed_tokens[token.id]
        for ch in [c for c in d.channels.values() if c.owner_id == user_id]:
            _delete_channel_rows(d, ch.id)
        return existed
    return op


def _put_channel(channel: Channel, *, new: bool) -> Op:
    def op(d: _Data) -> None:
        if new and channel.id in d.channels:
            raise Conflict("channel already exists")
        if not new and channel.id not in d.channels:
            raise NotFound("channel not found")
        if channel.owner_id not in d.users:
            raise NotFound("owner not found")
        if any(c.owner_id == channel.owner_id and c.number == channel.number
               and c.id != channel.id for c in d.channels.values()):
            raise Conflict(f"channel number {channel.number} is already in use")
        d.channels[channel.id] = channel
    return op


def _delete_channel(channel_id: ChannelId) -> Op:
    return lambda d: _delete_channel_rows(d, channel_id)


def _add_generation(s: GeneratedSchedule) -> Op:
    def op(d: _Data) -> None:
        if s.channel_id not in d.channels:
            raise NotFound("channel not found")
        gens = d.generations.setdefault(s.channel_id, {})
        if s.generation in gens:
            raise Conflict(f"generation {s.generation} already exists")
        for new in s.slots:
            if not timedelta(0) < new.end_at - new.start_at <= MAX_SLOT_LENGTH:
                raise ValidationError("slots last more than nothing and at most a day",
                                      field="slots")
        taken = {old.id for stored in d.slots.values() for old in stored}
        if any(new.id in taken for new in s.slots):
            raise Conflict("this generation or slot is already stored")
        slots = d.slots.setdefault(s.channel_id, [])
        for new in s.slots:
            if any(old.start_at < new.end_at and new.start_at < old.end_at for old in slots):
                raise Conflict("a slot overlaps a stored slot")
        slots.extend(s.slots)
        slots.sort(key=lambda x: x.start_at)
        d.records.setdefault(s.channel_id, []).extend(s.records())
        gens[s.generation] = GenerationSummary(generation=s.generation, valid_from=s.valid_from,
                                               valid_until=s.valid_until,
                                               created_at=s.created_at)
    return op


def _discard_after(channel_id: ChannelId, at: datetime) -> Op:
    def op(d: _Data) -> int:
        slots = d.slots.get(channel_id, [])
        kept = [s for s in slots if s.start_at <= at]
        d.slots[channel_id] = kept
        d.records[channel_id] = [r for r in d.records.get(channel_id, [])
                                 if r.scheduled_at <= at]
        return len(slots) - len(kept)
    return op


def _prune_before(cutoff: datetime) -> Op:
    def op(d: _Data) -> int:
        removed = 0
        for channel_id, stored in d.slots.items():
            latest = {}
            for s in stored:  # sorted by start: the last one per block wins
                latest[s.block_id] = s.id
            kept = [s for s in stored if s.end_at >= cutoff or latest[s.block_id] == s.id]
            removed += len(stored) - len(kept)
            d.slots[channel_id] = kept
        return removed
    return op


class InMemoryUnitOfWork:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._work = store.data.copy()
        self._ops: list[Op] = []
        self.users = _Users(self)
        self.channels = _Channels(self)
        self.schedules = _Schedules(self)
        self.media_files = _MediaFiles(self)
        self.feed_tokens = _FeedTokens(self)
        self.scans = _Scans(self)

    def _do(self, op: Op) -> object:
        result = op(self._work)
        self._ops.append(op)
        return result

    async def __aenter__(self) -> Self:
        self._work = self._store.data.copy()
        self._ops = []
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.rollback()

    async def commit(self) -> None:
        fresh = self._store.data.copy()
        for op in self._ops:
            op(fresh)
        self._store.data = fresh
        self._store.commits += 1
        self._ops = []
        self._work = fresh.copy()

    async def rollback(self) -> None:
        self._ops = []
        self._work = self._store.data.copy()


class _Users:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, user: User) -> None:
        self._uow._do(_add_user(user))

    async def get(self, user_id: UserId) -> User | None:
        return self._uow._work.users.get(user_id)

    async def get_by_email(self, email: Email) -> User | None:
        return next((u for u in self._uow._work.users.values() if u.email == email), None)

    async def get_by_oidc_subject(self, subject: str) -> User | None:
        return next((u for u in self._uow._work.users.values() if u.oidc_subject == subject),
                    None)

    async def update(self, user: User) -> None:
        self._uow._do(_update_user(user))

    async def delete(self, user_id: UserId) -> bool:
        return bool(self._uow._do(_delete_user(user_id)))

    async def count(self) -> int:
        return len(self._uow._work.users)

    async def list_all(self) -> list[User]:
        return sorted(self._uow._work.users.values(), key=lambda u: u.email.value)
    async def first_admin(self) -> User | None:
        admins = [u for u in self._uow._work.users.values() if u.is_admin]
        return min(admins, key=lambda u: (u.created_at, str(u.id)), default=None)


def _number_key(ch: Channel) -> tuple[int, int, str]:
    major, _, minor = ch.number.partition(".")
    return (int(major), int(minor or 0), str(ch.id))


class _Channels:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, channel: Channel) -> None:
        self._uow._do(_put_channel(channel, new=True))

    async def get(self, channel_id: ChannelId) -> Channel | None:
        return self._uow._work.channels.get(channel_id)

    async def list_by_owner(self, owner_id: UserId) -> list[Channel]:
        return sorted((c for c in self._uow._work.channels.values() if c.owner_id == owner_id),
                      key=_number_key)

    async def list_enabled(self) -> list[Channel]:
        return sorted((c for c in self._uow._work.channels.values() if c.enabled),
                      key=lambda c: (str(c.owner_id), _number_key(c)))

    async def update(self, channel: Channel) -> None:
        self._uow._do(_put_channel(channel, new=False))

    async def delete(self, channel_id: ChannelId) -> bool:
        return bool(self._uow._do(_delete_channel(channel_id)))


class _Schedules:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def latest(self, channel_id: ChannelId) -> GenerationSummary | None:
        gens = self._uow._work.generations.get(channel_id)
        return gens[max(gens)] if gens else None

    async def heads(self) -> dict[ChannelId, ScheduleHead]:
        work = self._uow._work
        return {cid: ScheduleHead(owner_id=ch.owner_id,
                                  generation=max(work.generations.get(cid) or [0]))
                for cid, ch in work.channels.items()}

    async def add_generation(self, schedule: GeneratedSchedule) -> None:
        self._uow._do(_add_generation(schedule))

    async def discard_after(self, channel_id: ChannelId, at: datetime) -> int:
        removed = self._uow._do(_discard_after(channel_id, at))
        assert isinstance(removed, int)
        return removed

    async def slots_between(self, channel_id: ChannelId, start: datetime,
                            until: datetime) -> list[ScheduledSlot]:
        return [s for s in self._uow._work.slots.get(channel_id, [])
                if s.end_at > start and s.start_at < until]

    async def slot(self, channel_id: ChannelId, slot_id: uuid.UUID) -> ScheduledSlot | None:
        return next((s for s in self._uow._work.slots.get(channel_id, []) if s.id == slot_id),
                    None)

    async def prune_before(self, cutoff: datetime) -> int:
        removed = self._uow._do(_prune_before(cutoff))
        assert isinstance(removed, int)
        return removed

    async def continuity(self, channel_id: ChannelId,
                         at: datetime) -> dict[BlockId, BlockContinuity]:
        out: dict[BlockId, BlockContinuity] = {}
        for s in self._uow._work.slots.get(channel_id, []):  # sorted by start
            if s.start_at <= at:
                out[s.block_id] = BlockContinuity.from_slot(s)
        return out

    async def history(self, channel_id: ChannelId, *, since: datetime,
                      min_generation: int | None = None) -> list[ScheduleRecord]:
        return sorted((r for r in self._uow._work.records.get(channel_id, [])
                       if r.scheduled_at >= since
                       or (min_generation is not None and r.generation >= min_generation)),
                      key=lambda r: (r.scheduled_at, r.item_id))

    async def first_airings(self, channel_id: ChannelId,
                            item_ids: Sequence[MediaItemId]) -> dict[MediaItemId, datetime]:
        wanted = set(item_ids)
        out: dict[MediaItemId, datetime] = {}
        for r in self._uow._work.records.get(channel_id, []):
            if r.item_id in wanted and (r.item_id not in out or r.scheduled_at < out[r.item_id]):
                out[r.item_id] = r.scheduled_at
        return out


__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]


def _put_files(files: list[IndexedFile]) -> Op:
    def op(d: _Data) -> None:
        for f in files:
            if any(o.media_dir == f.media_dir and o.relative_path == f.relative_path
                   and o.item_id != f.item_id for o in d.media_files.values()):
                raise Conflict("this file is already indexed under another id")
            d.media_files[f.item_id] = f
    return op


def _remove_files(ids: list[MediaItemId]) -> Op:
    return lambda d: sum(d.media_files.pop(i, None) is not None for i in ids)


class _MediaFiles:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def all(self) -> list[IndexedFile]:
        return sorted(self._uow._work.media_files.values(),
                      key=lambda f: (f.media_dir, f.relative_path))

    async def get(self, item_id: MediaItemId) -> IndexedFile | None:
        return self._uow._work.media_files.get(item_id)

    async def put(self, files: Sequence[IndexedFile]) -> None:
        self._uow._do(_put_files(list(files)))

    async def remove(self, item_ids: Sequence[MediaItemId]) -> int:
        removed = self._uow._do(_remove_files(list(item_ids)))
        assert isinstance(removed, int)
        return removed

    async def stamp(self) -> tuple[int, datetime | None]:
        files = self._uow._work.media_files.values()
        return len(files), max((f.scanned_at for f in files), default=None)


def _put_feed_token(token: FeedToken) -> Op:
    def op(d: _Data) -> None:
        if token.user_id not in d.users:
            raise NotFound("user not found")
        replaced = [t for t in d.feed_tokens.values()
                    if t.user_id == token.user_id and t.name == token.name]
        if any(t.token_hash == token.token_hash and t not in replaced
               for t in d.feed_tokens.values()) or (
                token.id in d.feed_tokens and d.feed_tokens[token.id] not in replaced):
            raise Conflict("this feed token is already in use")
        for old in replaced:
            del d.feed_tokens[old.id]
        d.feed_tokens[token.id] = token
    return op


def _delete_feed_token(user_id: UserId, token_id: uuid.UUID) -> Op:
    def op(d: _Data) -> bool:
        token = d.feed_tokens.get(token_id)
        if token is None or token.user_id != user_id:
            return False
        del d.feed_tokens[token_id]
        return True
    return op


def _delete_named_feed_token(user_id: UserId, name: str) -> Op:
    def op(d: _Data) -> bool:
        found = [t for t in d.feed_tokens.values() if t.user_id == user_id and t.name == name]
        for t in found:
            del d.feed_tokens[t.id]
        return bool(found)
    return op


def _touch_feed_token(token_id: uuid.UUID, at: datetime) -> Op:
    def op(d: _Data) -> None:
        token = d.feed_tokens.get(token_id)
        if token is not None:
            d.feed_tokens[token_id] = replace(token, last_used_at=at)
    return op


class _FeedTokens:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def put(self, token: FeedToken) -> None:
        self._uow._do(_put_feed_token(token))

    async def list(self, user_id: UserId) -> list[FeedToken]:
        return sorted((t for t in self._uow._work.feed_tokens.values() if t.user_id == user_id),
                      key=lambda t: (t.created_at, t.name))

    async def find(self, token_hash: str) -> FeedToken | None:
        return next((t for t in self._uow._work.feed_tokens.values()
                     if t.token_hash == token_hash), None)

    async def delete(self, user_id: UserId, token_id: uuid.UUID) -> bool:
        return bool(self._uow._do(_delete_feed_token(user_id, token_id)))

    async def delete_named(self, user_id: UserId, name: str) -> bool:
        return bool(self._uow._do(_delete_named_feed_token(user_id, name)))

    async def touch(self, token_id: uuid.UUID, at: datetime) -> None:
        self._uow._do(_touch_feed_token(token_id, at))


class _Scans:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def get(self, source: str) -> ScanStatus | None:
        return self._uow._work.scans.get(source)

    async def put(self, source: str, status: ScanStatus) -> None:
        def op(d: _Data) -> None:
            d.scans[source] = status
        self._uow._do(op)
