"""Strict decoding: every kind of parameter is read as its declared type, never coerced."""

from __future__ import annotations

import pytest

from api.helpers import Api, assert_problem

CHANNELS = "/api/v1/channels"
BLOCK = {"name": "Day", "start_time": "00:00", "duration_mins": 60,
         "content": {"type": "algorithmic", "strategy": "sequential"}}


def _with_block(**changes: object) -> dict[str, object]:
    return {"name": "x", "schedule_config": {"blocks": [{**BLOCK, **changes}]}}


@pytest.mark.parametrize(("body", "field"), [
    (_with_block(duration_mins="60"), "schedule_config.blocks[0].duration_mins"),
    (_with_block(duration_mins=60.5), "schedule_config.blocks[0].duration_mins"),
    (_with_block(loop_on_finish="true"), "schedule_config.blocks[0].loop_on_finish"),
    (_with_block(loop_on_finish=1), "schedule_config.blocks[0].loop_on_finish"),
    (_with_block(start_time="20:00\n"), "schedule_config.blocks[0].start_time"),
    (_with_block(id="0123456789abcdef0123456789abcdef"), "schedule_config.blocks[0].id"),
    ({"name": "x", "enabled": "true"}, "enabled"),
    ({"name": "x", "enabled": 0}, "enabled"),
    ({"name": 5}, "name"),
    ({"name": "x", "number": 101}, "number"),
    ({"name": "x", "recycle_policy": {"cooldown_days": "7"}}, "recycle_policy.cooldown_days"),
    ({"name": "x", "recycle_policy": {"min_available_ratio": "0.5"}},
     "recycle_policy.min_available_ratio"),
])
async def test_a_body_of_the_wrong_type_is_a_422_naming_the_field(
        api: Api, owner: dict[str, str], body: dict[str, object], field: str) -> None:
    """Nothing is coerced: "60" is not 60, "true" and 1 are not true; a trailing newline
    does not pass a pattern; a UUID without dashes is not the document's UUID."""
    assert_problem(await api.client.post(CHANNELS, json=body, headers=owner), 422, field)


async def test_integers_are_json_schema_integers(api: Api, owner: dict[str, str]) -> None:
    """JSON Schema counts 60.0 and 6e1 as integers, so the server takes them (as 60)."""
    for raw in (b"60.0", b"6e1"):
        body = (b'{"name": "x", "schedule_config": {"blocks": [{"name": "Day", '
                b'"start_time": "00:00", "duration_mins": ' + raw + b', "content": '
                b'{"type": "algorithmic", "strategy": "sequential"}}]}}')
        r = await api.client.post(CHANNELS, content=body,
                                  headers={**owner, "Content-Type": "application/json"})
        assert r.status_code == 201, r.text
        assert r.json()["schedule_config"]["blocks"][0]["duration_mins"] == 60


@pytest.mark.parametrize(("query", "field"), [
    ("from=0.5", "from"),
    ("from=1700000000", "from"),
    ("from=2026-11-21T20:00:00", "from"),  # no offset
    ("from=2026-11-21%2020:00:00Z", "from"),  # a space, not T
    ("until=tomorrow", "until"),
])
async def test_a_malformed_datetime_query_is_a_400_naming_it(
        api: Api, owner: dict[str, str], query: str, field: str) -> None:
    cid = (await api.create_channel(owner))["id"]
    r = await api.client.get(f"{CHANNELS}/{cid}/epg?{query}", headers=owner)
    assert_problem(r, 400, field)


async def test_an_rfc3339_query_is_accepted(api: Api, owner: dict[str, str]) -> None:
    cid = (await api.create_channel(owner))["id"]
    for value in ("2026-11-21T20:00:00Z", "2026-11-21t20:00:00.5%2B01:00"):
        r = await api.client.get(f"{CHANNELS}/{cid}/epg?from={value}", headers=owner)
        assert r.status_code == 200, r.text


@pytest.mark.parametrize("limit", ["1.5", "one", "true", "%201", "+1", "0x10", "01"])
async def test_a_malformed_integer_query_is_a_400_naming_it(
        api: Api, owner: dict[str, str], limit: str) -> None:
    assert_problem(await api.client.get(f"/api/v1/library/items?limit={limit}",
                                        headers=owner), 400, "limit")


async def test_an_integer_query_may_be_any_integral_json_number(
        api: Api, owner: dict[str, str]) -> None:
    for limit in ("2", "2.0", "2e0"):
        r = await api.client.get(f"/api/v1/library/items?limit={limit}", headers=owner)
        assert r.status_code == 200, r.text
        assert len(r.json()["items"]) == 2


async def test_an_unknown_enum_query_is_a_400(api: Api, owner: dict[str, str]) -> None:
    for value in ("Movie", "movies", ""):
        assert_problem(await api.client.get(f"/api/v1/library/items?content_type={value}",
                                            headers=owner), 400, "content_type")


async def test_a_malformed_path_uuid_is_a_400_naming_it(api: Api,
                                                     owner: dict[str, str]) -> None:
    cid = (await api.create_channel(owner))["id"]
    for bad in ("not-a-uuid", "123", "{" + cid + "}", cid.replace("-", ""), cid + "0"):
        for path in (f"{CHANNELS}/{bad}", f"{CHANNELS}/{bad}/epg"):
            assert_problem(await api.client.get(path, headers=owner), 400, "channel_id")
    assert (await api.client.get(f"{CHANNELS}/{cid.upper()}", headers=owner)).status_code == 200


async def test_a_malformed_path_is_a_400_even_without_a_token(api: Api) -> None:
    """Malformed input is refused before anything else is looked at."""
    assert_problem(await api.client.get(f"{CHANNELS}/not-a-uuid"), 400, "channel_id")
    assert_problem(await api.client.get(
        f"{CHANNELS}/0123456789abcdef0123456789abcdef/now"), 400, "channel_id")


@pytest.mark.parametrize("query", [
    "from=9999-12-31T23:00:00Z", "from=0001-01-01T00:30:00%2B01:00",
    "from=9999-12-31T23:00:00-05:00&until=9999-12-31T23:30:00-05:00",
    "from=0001-01-01T00:00:00Z&until=0001-01-01T01:00:00Z",
    "from=9999-12-31T22:00:00%2B14:00&until=9999-12-31T23:59:59.999999-12:00",
])
async def test_a_window_at_the_ends_of_the_calendar_is_empty_not_a_500(
        any_api: Api, query: str) -> None:
    """Every RFC 3339 date-time the document allows is answered (found by fuzzing)."""
    owner = await any_api.register()
    cid = (await any_api.create_channel(owner))["id"]
    r = await any_api.client.get(f"{CHANNELS}/{cid}/epg?{query}", headers=owner)
    assert (r.status_code, r.json()) == (200, []), r.text
