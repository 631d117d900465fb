"""Replaying a channel as it aired: the catch-up window and what may be replayed.

A channel keeps ``catchup_days`` of history (0 turns replay off). An instant
can be replayed once it has aired and while it is inside the window; a
programme once it has started (the one on air: from its start, "start over")
and while its start is inside the window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .channel import Channel
from .errors import Gone, NotFound
from .schedule import ScheduledSlot

__all__ = ["check_replay_instant", "check_replay_slot", "replay_window_start"]


def replay_window_start(channel: Channel, now: datetime) -> datetime | None:
    """The oldest instant the channel can be replayed from (None: catch-up is off)."""
    if channel.catchup_days <= 0:
        return None
    return now - timedelta(days=channel.catchup_days)


def _window(channel: Channel, now: datetime) -> datetime:
    start = replay_window_start(channel, now)
    if start is None:
        raise NotFound("catch-up is off for this channel (its catchup_days is 0)")
    return start


def check_replay_instant(channel: Channel, at: datetime, now: datetime) -> None:
    """NotFound for a future instant or with catch-up off; Gone before the window."""
    oldest = _window(channel, now)
    if at > now:
        raise NotFound(f"{at.isoformat()} has not aired yet")
    if at < oldest:
        raise Gone(f"{at.isoformat()} is older than this channel's "
                   f"{channel.catchup_days}-day catch-up window")


def check_replay_slot(channel: Channel, slot: ScheduledSlot, now: datetime) -> None:
    """The same rules for a programme, judged by its start."""
    oldest = _window(channel, now)
    if slot.start_at > now:
        raise NotFound("this programme has not started yet")
    if slot.start_at < oldest:
        raise Gone(f"this programme aired before this channel's {channel.catchup_days}-day "
                   "catch-up window")
