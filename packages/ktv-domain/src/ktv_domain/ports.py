"""Ports: what the domain needs from the outside world, by role.

Adapters implement them explicitly; tests use the in-memory fakes in
``tests/fakes``. Every method raises domain errors only (``errors.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self, TypeVar, runtime_checkable

from .channel import Channel
from .feed_tokens import FeedToken
from .ids import BlockId, ChannelId, MediaItemId, UserId
from .library import IndexedFile, LibraryCollection, ScanStatus
from .media import MediaItem
from .media_filter import MediaFilter
from .schedule import (
    BlockContinuity,
    GeneratedSchedule,
    GenerationSummary,
    ScheduledSlot,
    ScheduleHead,
    ScheduleRecord,
)
from .user import Email, User

__all__ = [
    "AccessToken",
    "ChannelRepository",
    "Clock",
    "CpuRunner",
    "FeedTokenRepository",
    "MediaIndexRepository",
    "MediaInput",
    "MediaInputs",
    "MediaProvider",
    "PasswordHasher",
    "PlayableSource",
    "ScanStatusRepository",
    "ScheduleRepository",
    "TokenIssuer",
    "UnitOfWork",
    "UserRepository",
    "run_inline",
]

T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""


class CpuRunner(Protocol):
    """Runs CPU-heavy work (engine runs, password hashing) somewhere that does not
    stall the event loop; the app passes a worker-thread runner."""

    def __call__(self, fn: Callable[[], T], /) -> Awaitable[T]: ...


async def run_inline(fn: Callable[[], T]) -> T:
    """The trivial CpuRunner: run on the caller's thread."""
    return fn()


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayableSource:
    """Where a client can fetch an item's bytes; never carries a media-server secret."""

    url: str
    mime_type: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaInput:
    """Where a server-side reader (ffmpeg) reads an item's bytes: a file path or a URL.

    ``headers`` may carry a media server's secret (its API key): it is for the
    reader only, never sent to a client, never logged (``repr`` leaves it out).
    """

    location: str
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Header values, for scrubbing a reader's error output."""
        return tuple(v for _, v in self.headers)


@runtime_checkable
class MediaInputs(Protocol):
    """Where ffmpeg reads items from (local files, a media server's static stream)."""

    async def media_input(self, item_id: MediaItemId) -> MediaInput:
        """NotFound when the item is unknown or its file is gone; MediaSourceError when
        the source cannot be reached."""


class MediaProvider(Protocol):
    """A media library (Jellyfin, local folders...)."""

    async def find_items(self, media_filter: MediaFilter) -> Sequence[MediaItem]:
        """Every item matching the filter (see ``MediaFilter.matches``).

        Providers may return the same :class:`MediaPool` object while their
        catalog is unchanged, so the engine's index on it is reused.
        """

    async def get_items(self, ids: Sequence[MediaItemId]) -> Sequence[MediaItem]:
        """The known items among ``ids``, in the listed order; unknown ids are left out."""

    async def playable_source(self, item_id: MediaItemId) -> PlayableSource:
        """A playable URL for the item (NotFound when the item is unknown)."""

    async def catalog(self) -> Sequence[MediaItem]:
        """Every item of the library that can be scheduled (for browsing)."""

    async def collections(self) -> Sequence[LibraryCollection]:
        """The library's named collections (libraries, folders, box sets)."""


class MediaIndexRepository(Protocol):
    """The local-folder library's index of scanned files."""

    async def all(self) -> list[IndexedFile]:
        """Every indexed file, by media folder and path."""

    async def get(self, item_id: MediaItemId) -> IndexedFile | None: ...

    async def put(self, files: Sequence[IndexedFile]) -> None:
        """Insert or replace files (by ``item_id``)."""

    async def remove(self, item_ids: Sequence[MediaItemId]) -> int:
        """Forget files; how many were indexed."""

    async def stamp(self) -> tuple[int, datetime | None]:
        """A cheap change marker: the file count and the newest ``scanned_at``."""


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Store a new user; DuplicateEmail when the email is taken."""

    async def get(self, user_id: UserId) -> User | None: ...

    async def get_by_email(self, email: Email) -> User | None: ...

    async def get_by_oidc_subject(self, subject: str) -> User | None: ...

    async def update(self, user: User) -> None:
        """Replace a stored user; NotFound when absent."""

    async def delete(self, user_id: UserId) -> bool:
        """Remove a user and everything they own; whether it existed."""

    async def count(self) -> int: ...

    async def list_all(self) -> list[User]:
        """Every account, by email."""
    async def first_admin(self) -> User | None:
        """The administrator account created first (ties by id), if any."""


class FeedTokenRepository(Protocol):
    """Users' named IPTV feed tokens, by hash (see ``feed_tokens.py``); gone with their user."""

    async def put(self, token: FeedToken) -> None:
        """Store a token, replacing the user's token of the same name (whose hash stops
        resolving in the same write).

        NotFound when the user does not exist; Conflict when the hash is taken.
        """

    async def list(self, user_id: UserId) -> list[FeedToken]:
        """The user's tokens, oldest first (ties by name)."""

    async def find(self, token_hash: str) -> FeedToken | None:
        """The token with this hash: an index lookup, not a scan comparing secrets."""

    async def delete(self, user_id: UserId, token_id: uuid.UUID) -> bool:
        """Revoke one of the user's tokens by id; whether it existed (for this user)."""

    async def delete_named(self, user_id: UserId, name: str) -> bool:
        """Revoke the user's token of this name; whether there was one."""

    async def touch(self, token_id: uuid.UUID, at: datetime) -> None:
        """Record that the token was used at ``at`` (a no-op for an unknown id)."""


class ScanStatusRepository(Protocol):
    """The current or last library scan of each source (``local``, ``jellyfin``): one
    row per source, which every replica reads."""

    async def get(self, source: str) -> ScanStatus | None: ...

    async def put(self, source: str, status: ScanStatus) -> None:
        """Store the source's status, replacing the previous one."""


class ChannelRepository(Protocol):
    async def add(self, channel: Channel) -> None:
        """Store a new channel; Conflict when the owner already uses its number."""

    async def get(self, channel_id: ChannelId) -> Channel | None: ...

    async def list_by_owner(self, owner_id: UserId) -> list[Channel]:
        """The owner's channels, ordered by number."""

    async def list_enabled(self) -> list[Channel]:
        """Every enabled channel of every owner (for the background keeper)."""

    async def update(self, channel: Channel) -> None:
        """Replace a stored channel; NotFound when absent, Conflict on a taken number."""

    async def delete(self, channel_id: ChannelId) -> bool:
        """Remove a channel with its schedules, slots and records; whether it existed."""


class ScheduleRepository(Protocol):
    async def latest(self, channel_id: ChannelId) -> GenerationSummary | None:
        """The newest generation of the channel, if any."""

    async def heads(self) -> dict[ChannelId, ScheduleHead]:
        """Every channel's owner and newest generation number (0 when none).

        A cheap poll: replicas compare it with what they hold in memory.
        """

    async def add_generation(self, schedule: GeneratedSchedule) -> None:
        """Store a generation with its slots and cooldown records, atomically.

        Conflict when the channel already has this generation number (a
        concurrent run won) or a slot would overlap a stored one.
        """

    async def discard_after(self, channel_id: ChannelId, at: datetime) -> int:
        """Delete slots and records that start after ``at``; how many slots went."""

    async def slots_between(self, channel_id: ChannelId, start: datetime,
                            until: datetime) -> list[ScheduledSlot]:
        """Slots with ``end_at > start`` and ``start_at < until``, by start."""

    async def continuity(self, channel_id: ChannelId,
                         at: datetime) -> dict[BlockId, BlockContinuity]:
        """Each block's last slot starting at or before ``at``."""

    async def slot(self, channel_id: ChannelId, slot_id: uuid.UUID) -> ScheduledSlot | None:
        """One stored slot of the channel (a programme of its history or future)."""

    async def prune_before(self, cutoff: datetime) -> int:
        """Delete the slots of every channel that ended before ``cutoff``; how many went.

        Each block's latest slot is kept whatever its age: it is where a sequential
        block resumes (``continuity``), so pruning never sends a series back to its
        first episode. Cooldown records are not touched.
        """

    async def history(self, channel_id: ChannelId, *, since: datetime,
                      min_generation: int | None = None) -> list[ScheduleRecord]:
        """Records scheduled at or after ``since``, or by a generation >= min_generation."""

    async def first_airings(self, channel_id: ChannelId,
                            item_ids: Sequence[MediaItemId]) -> dict[MediaItemId, datetime]:
        """For each of ``item_ids`` ever scheduled on the channel (its records), the
        earliest ``scheduled_at``; items never scheduled there are absent. The guide
        marks a programme ``previously-shown`` when its item aired earlier."""


class UnitOfWork(Protocol):
    """One transaction: ``async with uow: ...; await uow.commit()``; else rolled back."""

    @property
    def users(self) -> UserRepository: ...

    @property
    def channels(self) -> ChannelRepository: ...

    @property
    def schedules(self) -> ScheduleRepository: ...

    @property
    def media_files(self) -> MediaIndexRepository: ...

    @property
    def feed_tokens(self) -> FeedTokenRepository: ...

    @property
    def scans(self) -> ScanStatusRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches; False (never an error) for a malformed hash."""

    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessToken:
    token: str
    expires_in: int  # seconds


class TokenIssuer(Protocol):
    def issue(self, user: User, *, signed_in_at: datetime | None = None) -> AccessToken:
        """A token for ``user``; ``signed_in_at`` (default: now) is when they signed in."""
