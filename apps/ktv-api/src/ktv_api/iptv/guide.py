"""The XMLTV guide of one user's channels, cached and cheap to poll.

The window runs from ``BACK`` (3 h) before now to the end of each channel's
stored coverage, and the programmes are exactly the stored slots the on-air
view (:class:`~ktv_api.onair.OnAir`) holds: the same instants ``/epg``
returns. Caching has two levels:

* one rendered run of ``<programme>`` elements per channel, keyed by what it
  is made of (the channel's generation, the first and last slot in the window,
  the coverage end, the gap options): a generation stored by this process or
  seen through the replica sync changes the key, and ``OnAir.on_change`` drops
  the stale run at once;
* whole documents by ETag. The ETag is a hash of the parts' keys and the
  ``<channel>`` elements, computed before anything is rendered, so a client
  revalidating with ``If-None-Match`` gets its 304 without a render, and
  replicas holding the same data compute the same ETag.

Rendering runs in a worker thread (the app's ``CpuRunner``), so a cold guide
never stalls the event loop; first airings (``previously-shown``) are read
from the database once per changed run.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ktv_domain import (
    MAX_SLOT_LENGTH,
    Channel,
    ChannelId,
    Clock,
    CpuRunner,
    MediaItem,
    MediaItemId,
    NotFound,
    ScheduledSlot,
    UnitOfWork,
    UserId,
)
from ktv_iptv import GuideChannel, ProgrammeRun, assemble, render_channel, render_programmes
from ktv_iptv import xmltv_channel_id as xmltv_id

from ..onair import Coverage, OnAir

__all__ = ["BACK", "Document", "GuidePlan", "GuideService"]

#: How far back the guide starts (players show what is on and what just ended).
BACK = timedelta(hours=3)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HOUR = timedelta(hours=1)
#: Memo tables are cleared past these sizes (they only save work).
_MAX_MEMO = 100_000


class Document:
    """A rendered document and its gzip form (made once, on first demand)."""

    __slots__ = ("_gz", "_lock", "body", "etag")

    def __init__(self, etag: str, body: bytes) -> None:
        self.etag = etag
        self.body = body
        self._gz: bytes | None = None
        self._lock = asyncio.Lock()

    async def gzipped(self, cpu: CpuRunner) -> bytes:
        if self._gz is None:
            async with self._lock:
                if self._gz is None:
                    body = self.body
                    self._gz = await cpu(lambda: gzip.compress(body, 6, mtime=0))
        return self._gz


@dataclass(frozen=True, slots=True)
class _Part:
    channel_id: ChannelId
    key: tuple[object, ...]
    run: ProgrammeRun


@dataclass(frozen=True, slots=True)
class GuidePlan:
    """What a guide will be made of; ``etag`` is known before rendering."""

    etag: str
    channels: list[str]
    parts: list[_Part]
    generator_url: str | None
    owner: UserId = field(compare=False)


class GuideService:
    def __init__(self, uow: Callable[[], UnitOfWork], onair: OnAir, clock: Clock, *,
                 guide_days: int, fill_gaps: bool, cpu: CpuRunner,
                 max_documents: int = 8) -> None:
        self._uow = uow
        self._onair = onair
        self._clock = clock
        self.guide_days = guide_days
        self.fill_gaps = fill_gaps
        self._cpu = cpu
        self._max_documents = max_documents
        self._runs: dict[ChannelId, tuple[tuple[object, ...], bytes]] = {}
        self._documents: OrderedDict[str, Document] = OrderedDict()
        self._building: dict[str, asyncio.Future[Document]] = {}
        self._times: dict[datetime, str] = {}
        self._bodies: dict[MediaItem, str] = {}
        onair.on_change(self.forget)

    def forget(self, channel_id: ChannelId) -> None:
        """Drop a channel's rendered run (its entry in the on-air view changed)."""
        self._runs.pop(channel_id, None)

    # -- planning: cheap, no rendering --------------------------------------------------

    async def plan(self, owner: UserId, channels: Sequence[Channel],
                   icon_for: Callable[[Channel], str | None], *,
                   generator_url: str | None = None) -> GuidePlan:
        """The guide of ``channels`` (the owner's enabled ones, in guide order)."""
        now = self._clock.now()
        start = now - BACK
        elements: list[str] = []
        parts: list[_Part] = []
        for ch in channels:
            try:
                cov = await self._onair.coverage(owner, ch.id)
            except NotFound:
                continue  # deleted since it was listed
            elements.append(render_channel(GuideChannel(
                xmltv_id=xmltv_id(ch.id), number=ch.number, name=ch.name,
                icon_url=icon_for(ch))))
            parts.append(await self._part(ch.id, cov, start))
        material = repr((generator_url, elements, [(p.channel_id, p.key) for p in parts]))
        etag = hashlib.blake2b(material.encode(), digest_size=16).hexdigest()
        return GuidePlan(etag=etag, channels=elements, parts=parts,
                         generator_url=generator_url, owner=owner)

    async def _part(self, channel_id: ChannelId, cov: Coverage, start: datetime) -> _Part:
        until = cov.valid_until
        slots: list[ScheduledSlot] = []
        if until is not None and until > start:
            window = cov.window(start, until)
            if window is None:  # before what memory holds: ask the database
                async with self._uow() as uow:
                    window = await uow.schedules.slots_between(channel_id, start, until)
            slots = window
        previous_end = None
        if self.fill_gaps and slots:
            before = cov.view.window(slots[0].start_at - MAX_SLOT_LENGTH, slots[0].start_at)
            previous_end = before[-1].end_at if before else None
        placeholder = None
        if not slots:
            hour = _EPOCH + (start - _EPOCH) // _HOUR * _HOUR
            placeholder = (hour, hour + timedelta(days=self.guide_days))
        key: tuple[object, ...] = (
            cov.generation, len(slots), slots[0].id if slots else None,
            slots[-1].id if slots else None, previous_end, until, self.fill_gaps, placeholder)
        run = ProgrammeRun(xmltv_id=xmltv_id(channel_id), slots=slots,
                           previous_end=previous_end, coverage_end=until,
                           fill_gaps=self.fill_gaps, placeholder=placeholder)
        return _Part(channel_id=channel_id, key=key, run=run)

    # -- rendering ----------------------------------------------------------------------

    async def render(self, plan: GuidePlan) -> Document:
        """The document of ``plan``: from the cache, or rendered once for all callers."""
        doc = self._documents.get(plan.etag)
        if doc is not None:
            self._documents.move_to_end(plan.etag)
            return doc
        pending = self._building.get(plan.etag)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Document] = asyncio.get_running_loop().create_future()
        self._building[plan.etag] = future
        try:
            doc = await self._render(plan)
            future.set_result(doc)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no warning when nobody else waits
            raise
        finally:
            del self._building[plan.etag]
        self._documents[plan.etag] = doc
        while len(self._documents) > self._max_documents:
            self._documents.popitem(last=False)
        return doc

    async def _render(self, plan: GuidePlan) -> Document:
        runs: list[bytes] = []
        missing: list[tuple[int, _Part]] = []
        for i, part in enumerate(plan.parts):
            cached = self._runs.get(part.channel_id)
            if cached is not None and cached[0] == part.key:
                runs.append(cached[1])
            else:
                runs.append(b"")
                missing.append((i, part))
        if missing:
            firsts = await self._first_airings([p for _, p in missing])
            todo = [ProgrammeRun(xmltv_id=p.run.xmltv_id, slots=p.run.slots,
                                 first_airings=f, previous_end=p.run.previous_end,
                                 coverage_end=p.run.coverage_end, fill_gaps=p.run.fill_gaps,
                                 placeholder=p.run.placeholder)
                     for (_, p), f in zip(missing, firsts, strict=True)]
            rendered = await self._cpu(lambda: self._render_runs(todo))
            for (i, part), text in zip(missing, rendered, strict=True):
                runs[i] = text
                self._runs[part.channel_id] = (part.key, text)
        channels = [c.encode() for c in plan.channels]
        body = assemble(channels, runs, generator_url=plan.generator_url)
        return Document(plan.etag, body)

    def _render_runs(self, runs: list[ProgrammeRun]) -> list[bytes]:
        if len(self._times) > _MAX_MEMO:
            self._times.clear()
        if len(self._bodies) > _MAX_MEMO:
            self._bodies.clear()
        return [render_programmes(r, times=self._times, bodies=self._bodies).encode()
                for r in runs]

    async def _first_airings(self, parts: Sequence[_Part]) -> list[dict[MediaItemId, datetime]]:
        """Each part's first airings, read in one unit of work."""
        out: list[dict[MediaItemId, datetime]] = []
        async with self._uow() as uow:
            for part in parts:
                ids = list(dict.fromkeys(s.item.id for s in part.run.slots))
                out.append(await uow.schedules.first_airings(part.channel_id, ids)
                           if ids else {})
        return out
