"""The in-memory schedule view at exact boundaries, through every route that reads it.

``/now``, ``/stream``, ``/epg`` and ``GET /schedule`` answer from ``OnAir``'s
``ScheduleView`` (not the database): a slot that ended exactly at T is not on air at
T, and a window whose ``from`` equals a slot's end, or whose ``until`` equals its
start, leaves that slot out. One pinned 5-minute short at 11:00 and dead air after
it give a slot [11:00, 11:05) with a gap behind it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.helpers import Api
from support import item_id

CHANNELS = "/api/v1/channels"
US = timedelta(microseconds=1)
START = datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
END = START + timedelta(minutes=5)  # the short (item 40) lasts 300 s
PINNED = {"name": "Pinned short", "start_time": "11:00:00", "duration_mins": 60,
          "loop_on_finish": False, "content": {"type": "manual", "items": [item_id(40)]}}


def z(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
async def channel(any_api: Api) -> tuple[Api, dict[str, str], str]:
    """A channel generated at 10:30 whose only slot today is [11:00, 11:05)."""
    any_api.clock.set(START - timedelta(minutes=30))
    h = await any_api.register()
    cid = await any_api.on_air_channel(h, blocks=[PINNED])
    return any_api, h, cid


async def get(api: Api, h: dict[str, str], cid: str, route: str,
              **params: str) -> tuple[int, object]:
    r = await api.client.get(f"{CHANNELS}/{cid}/{route}", headers=h, params=params,
                             follow_redirects=False)
    return r.status_code, (r.json() if r.status_code == 200 else None)


async def test_a_slot_ending_exactly_now_is_not_on_air(
        channel: tuple[Api, dict[str, str], str]) -> None:
    api, h, cid = channel
    api.clock.set(END - US)
    status, now = await get(api, h, cid, "now")
    assert status == 200
    assert isinstance(now, dict)
    assert (now["slot"]["start_at"], now["slot"]["end_at"]) == (z(START), z(END))
    assert now["offset_secs"] == 299.999999
    assert (await get(api, h, cid, "stream"))[0] == 307

    api.clock.set(END)  # the slot ended exactly now: a gap, for /now and /stream alike
    assert (await get(api, h, cid, "now"))[0] == 204
    assert (await get(api, h, cid, "stream"))[0] == 204

    api.clock.set(START)  # and it is on air from its first microsecond
    status, now = await get(api, h, cid, "now")
    assert isinstance(now, dict)
    assert (status, now["slot"]["start_at"], now["offset_secs"]) == (200, z(START), 0.0)


async def test_an_epg_window_from_a_slots_end_or_until_its_start_excludes_it(
        channel: tuple[Api, dict[str, str], str]) -> None:
    api, h, cid = channel
    api.clock.set(END + timedelta(minutes=1))

    async def starts(start: datetime, until: datetime) -> list[str]:
        status, slots = await get(api, h, cid, "epg", **{"from": z(start), "until": z(until)})
        assert status == 200
        assert isinstance(slots, list)
        return [s["start_at"] for s in slots]

    assert await starts(END, END + timedelta(hours=1)) == []
    assert await starts(END - US, END + timedelta(hours=1)) == [z(START)]
    assert await starts(START - timedelta(hours=1), START) == []
    assert await starts(START - timedelta(hours=1), START + US) == [z(START)]


async def test_the_active_schedule_starts_after_a_slot_that_ended_exactly_now(
        channel: tuple[Api, dict[str, str], str]) -> None:
    api, h, cid = channel
    tomorrow = z(START + timedelta(days=1))
    api.clock.set(END - US)
    status, active = await get(api, h, cid, "schedule")
    assert isinstance(active, dict)
    assert (status, [s["start_at"] for s in active["slots"]]) == (200, [z(START), tomorrow])
    api.clock.set(END)
    status, active = await get(api, h, cid, "schedule")
    assert isinstance(active, dict)
    assert (status, [s["start_at"] for s in active["slots"]]) == (200, [tomorrow])
