"""The background keeper: every enabled channel's schedule keeps covering the horizon.

Each pass lists the enabled channels and appends generations (with
continuity) to any whose schedule ends sooner than ``ahead`` (``GUIDE_DAYS``)
plus half the horizon, until it reaches that far: every enabled channel is
always scheduled at least ``GUIDE_DAYS`` ahead, so the XMLTV guide shows that
much (a generation covers ``SCHEDULE_HORIZON_HOURS``; several are appended
when the guide reaches further). When the
media source fails, the next pass comes sooner at first and then backs off
exponentially up to ``max_backoff``. With several replicas on one PostgreSQL,
only the holder of the keeper's advisory lock runs passes.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import structlog

from ktv_domain import (
    Channel,
    DomainError,
    MediaSourceError,
    MediaSourceNotConfigured,
    UnitOfWork,
)
from ktv_domain.services import ScheduleService

from .metrics import Metrics
from .onair import OnAir

__all__ = ["Keeper", "KeeperPass", "Leadership"]

_log = structlog.get_logger("ktv.keeper")


class Leadership(Protocol):
    async def acquire(self) -> bool:
        """Whether this process leads now (taking the lead when it is free)."""

    async def release(self) -> None: ...


@dataclass(frozen=True, slots=True)
class KeeperPass:
    extended: int = 0
    failed: int = 0
    not_configured: bool = False


class Keeper:
    def __init__(self, uow: Callable[[], UnitOfWork], schedules: ScheduleService,
                 onair: OnAir, leadership: Leadership, metrics: Metrics, *,
                 interval: float = 60.0, retry_base: float = 5.0, max_backoff: float = 300.0,
                 ahead: timedelta = timedelta(0),
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 prune_interval: float = 3600.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._uow = uow
        self._schedules = schedules
        self._onair = onair
        self._leadership = leadership
        self._metrics = metrics
        self.interval = interval
        self.retry_base = retry_base
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._failures = 0
        #: Seconds between prunings of the schedule history (the first pass prunes).
        self.prune_interval = prune_interval
        self._monotonic = monotonic
        self._pruned_at = -float("inf")
        #: Extend while less than this remains: ``ahead`` plus half a generation.
        self.threshold = ahead + schedules.horizon / 2
        self._rounds = math.ceil(self.threshold / schedules.horizon) + 1

    def next_delay(self, result: KeeperPass | None) -> float:
        """Seconds until the next pass: the interval, or a backoff after failures."""
        if result is not None and result.failed == 0:
            self._failures = 0
            return self.interval
        self._failures += 1
        return min(self.max_backoff, self.retry_base * 2.0 ** (self._failures - 1))

    async def run_once(self) -> KeeperPass:
        """One pass over every enabled channel."""
        async with self._uow() as uow:
            channels = await uow.channels.list_enabled()
        extended = failed = 0
        for channel in channels:
            try:
                if await self._extend(channel):
                    extended += 1
            except MediaSourceNotConfigured:
                return KeeperPass(extended=extended, not_configured=True)
            except MediaSourceError as exc:
                failed += 1
                _log.warning("keeper could not reach the media source",
                             channel_id=str(channel.id), error=exc.message)
            except DomainError as exc:
                failed += 1
                _log.warning("keeper could not extend a channel", channel_id=str(channel.id),
                             error=exc.message, error_type=type(exc).__name__)
        return KeeperPass(extended=extended, failed=failed)

    async def _extend(self, channel: Channel) -> bool:
        extended = False
        try:
            for _ in range(self._rounds):
                schedule = await self._schedules.extend_if_needed(channel,
                                                                  threshold=self.threshold)
                if schedule is None:
                    break
                extended = True
                self._metrics.generations.labels("keeper").inc()
                _log.info("schedule extended", channel_id=str(channel.id),
                          generation=schedule.generation, slots=len(schedule.slots),
                          valid_until=schedule.valid_until.isoformat())
        finally:
            if extended:
                await self._onair.refresh(channel.id)
        return extended

    async def prune(self) -> int:
        """Keep the schedule history the catch-up windows need, and no more."""
        removed = await self._schedules.prune_history()
        if removed:
            _log.info("schedule history pruned", slots=removed)
        return removed

    async def run_forever(self) -> None:
        """Passes until cancelled; errors never end the loop."""
        announced_idle = False
        try:
            while True:
                result: KeeperPass | None = None
                try:
                    leader = await self._leadership.acquire()
                    self._metrics.keeper_leader.set(1 if leader else 0)
                    if leader:
                        if self._monotonic() - self._pruned_at >= self.prune_interval:
                            await self.prune()
                            self._pruned_at = self._monotonic()
                        result = await self.run_once()
                        outcome = ("not_configured" if result.not_configured
                                   else "failed" if result.failed else "ok")
                        self._metrics.keeper_runs.labels(outcome).inc()
                        if outcome == "ok":
                            self._metrics.keeper_last_success.set_to_current_time()
                        if result.not_configured and not announced_idle:
                            _log.info("keeper idle: no media source is configured")
                            announced_idle = True
                    else:
                        result = KeeperPass()
                except Exception:
                    self._metrics.keeper_runs.labels("error").inc()
                    _log.exception("keeper pass failed")
                await self._sleep(self.next_delay(result))
        finally:
            try:
                await self._leadership.release()
            except Exception:
                _log.exception("could not release the keeper lock")
