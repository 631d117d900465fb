"""``/epg``: windows, their validation, and windows older than the in-memory view."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from api.helpers import Api, assert_problem

CHANNELS = "/api/v1/channels"


def at(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text)


def z(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def test_default_window_is_now_plus_24_hours(any_api: Api) -> None:
    h = await any_api.register()
    cid = await any_api.on_air_channel(h)
    r = await any_api.client.get(f"{CHANNELS}/{cid}/epg", headers=h)
    assert r.status_code == 200
    slots = r.json()
    now = any_api.clock.now()
    assert slots
    assert at(slots[0]["start_at"]) <= now < at(slots[0]["end_at"])  # the one on air
    for s in slots:
        assert at(s["end_at"]) > now
        assert at(s["start_at"]) < now + timedelta(hours=24)
    on_air = (await any_api.client.get(f"{CHANNELS}/{cid}/now", headers=h)).json()
    # The guide adds how to replay a slot: the one on air from its start, none ahead.
    urls = [s.pop("catchup_url") for s in slots]
    assert urls[0] == f"{CHANNELS}/{cid}/hls/startover.m3u8?slot={slots[0]['id']}"
    assert urls[1:] == [None] * (len(slots) - 1)
    assert slots[0] == on_air["slot"]
    full = (await any_api.client.get(f"{CHANNELS}/{cid}/schedule", headers=h)).json()
    expected = [s for s in full["slots"] if at(s["start_at"]) < now + timedelta(hours=24)]
    assert slots == expected


async def test_explicit_window_with_z_and_with_an_offset(any_api: Api) -> None:
    h = await any_api.register()
    cid = await any_api.on_air_channel(h)
    url = f"{CHANNELS}/{cid}/epg"
    r = await any_api.client.get(url, params={"from": "2026-11-21T14:00:00Z",
                                              "until": "2026-11-21T18:00:00Z"}, headers=h)
    assert r.status_code == 200
    slots = r.json()
    assert slots
    assert all(s["item"]["content_type"] == "movie" for s in slots)
    lo, hi = at("2026-11-21T14:00:00Z"), at("2026-11-21T18:00:00Z")
    assert all(at(s["start_at"]) < hi and at(s["end_at"]) > lo for s in slots)
    same = await any_api.client.get(url, params={"from": "2026-11-21T15:00:00+01:00",
                                                 "until": "2026-11-21T13:00:00-05:00"},
                                    headers=h)
    assert same.json() == slots
    gap = await any_api.client.get(url, params={"from": "2026-11-21T18:30:00Z",
                                                "until": "2026-11-21T23:00:00Z"}, headers=h)
    assert gap.status_code == 200
    assert gap.json() == []


async def test_fourteen_days_is_the_longest_window(api: Api, owner: dict[str, str]) -> None:
    cid = await api.on_air_channel(owner)
    url = f"{CHANNELS}/{cid}/epg"
    ok = await api.client.get(url, params={"from": "2026-11-21T00:00:00Z",
                                           "until": "2026-12-05T00:00:00Z"}, headers=owner)
    assert ok.status_code == 200
    r = await api.client.get(url, params={"from": "2026-11-21T00:00:00Z",
                                          "until": "2026-12-05T00:00:01Z"}, headers=owner)
    assert_problem(r, 422, "until")


@pytest.mark.parametrize("until", ["2026-11-21T12:00:00Z", "2026-11-21T11:00:00Z"])
async def test_until_not_after_from_is_422(api: Api, owner: dict[str, str], until: str) -> None:
    cid = await api.on_air_channel(owner)
    r = await api.client.get(f"{CHANNELS}/{cid}/epg", headers=owner,
                             params={"from": "2026-11-21T12:00:00Z", "until": until})
    assert_problem(r, 422, "until")


async def test_until_before_the_default_from_is_422(api: Api, owner: dict[str, str]) -> None:
    cid = await api.on_air_channel(owner)
    r = await api.client.get(f"{CHANNELS}/{cid}/epg", headers=owner,
                             params={"until": "2026-11-20T00:00:00Z"})
    assert_problem(r, 422, "until")


@pytest.mark.parametrize(("params", "fields"), [
    ({"from": "2026-11-21T12:00:00"}, ["from"]),
    ({"from": "2026-11-21T12:00:00Z", "until": "2026-11-21T18:00:00"}, ["until"]),
    ({"from": "2026-11-21T12:00:00", "until": "2026-11-21T18:00:00"}, ["from", "until"]),
])
async def test_naive_datetimes_are_400(api: Api, owner: dict[str, str],
                                       params: dict[str, str], fields: list[str]) -> None:
    cid = await api.on_air_channel(owner)
    r = await api.client.get(f"{CHANNELS}/{cid}/epg", headers=owner, params=params)
    assert_problem(r, 400, *fields)


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "garbage"}, "from"),
    ({"from": "2026-13-45T99:00:00Z"}, "from"),
    ({"until": "tomorrow"}, "until"),
    ({"from": ""}, "from"),
])
async def test_garbage_datetimes_are_400_naming_the_parameter(
        api: Api, owner: dict[str, str], params: dict[str, str], field: str) -> None:
    cid = await api.on_air_channel(owner)
    r = await api.client.get(f"{CHANNELS}/{cid}/epg", headers=owner, params=params)
    assert_problem(r, 400, field)


async def test_a_window_before_the_in_memory_view_reads_the_database(any_api: Api) -> None:
    h = await any_api.register()
    cid = await any_api.on_air_channel(h)
    url = f"{CHANNELS}/{cid}/epg"
    morning = {"from": "2026-11-21T12:00:00Z", "until": "2026-11-21T14:00:00Z"}
    early = (await any_api.client.get(url, params=morning, headers=h)).json()
    assert early
    # A day and a half later, a new generation reloads the view from "now - 24 h" on:
    # the first afternoon is older than what memory holds.
    any_api.clock.advance(timedelta(hours=36))
    h = await any_api.login()  # the first token has expired
    r = await any_api.client.post(f"{CHANNELS}/{cid}/schedule", headers=h)
    assert r.status_code == 201
    assert r.json()["generation"] == 2
    again = await any_api.client.get(url, params=morning, headers=h)
    assert again.status_code == 200
    # Those programmes have ended since: each is now replayable on its own (VOD).
    assert [s.pop("catchup_url") for s in again.json()] == [
        f"{CHANNELS}/{cid}/hls/programme/{s['id']}.m3u8" for s in early]
    assert [{k: v for k, v in s.items() if k != "catchup_url"} for s in again.json()] == [
        {k: v for k, v in s.items() if k != "catchup_url"} for s in early]
    now = any_api.clock.now()
    empty = await any_api.client.get(url, params={"from": z(now - timedelta(days=3))},
                                     headers=h)
    assert empty.status_code == 200
    assert empty.json() == []
    past = await any_api.client.get(url, params={"from": z(now - timedelta(days=3)),
                                                  "until": z(now)}, headers=h)
    assert past.status_code == 200
    assert {s["id"] for s in early} <= {s["id"] for s in past.json()}
