"""Channel bodies that are malformed (400) or invalid (422 naming the field)."""

from __future__ import annotations

import pytest

from api.helpers import Api, Json, assert_problem, block

CHANNELS = "/api/v1/channels"


def manual(name: str, start: str, mins: int, items: list[str]) -> Json:
    return {"name": name, "start_time": start, "duration_mins": mins,
            "content": {"type": "manual", "items": items}}


async def test_overlapping_blocks_are_422_naming_both(any_api: Api) -> None:
    h = await any_api.register()
    a = block("Sitcoms", "20:00", 120, block_id="00000000-0000-0000-0000-0000000000aa")
    b = block("Movie", "21:00", 60, block_id="00000000-0000-0000-0000-0000000000bb")
    r = await any_api.client.post(CHANNELS, json={"name": "x", "schedule_config": {
        "blocks": [a, b]}}, headers=h)
    body = assert_problem(r, 422, "schedule_config.blocks[1]")
    message = body["errors"][0]["message"]
    for needle in ("Sitcoms", "Movie", a["id"], b["id"]):
        assert needle in message
    assert (await any_api.client.get(CHANNELS, headers=h)).json() == []


async def test_blocks_overlapping_across_midnight_are_422(api: Api, owner: dict[str, str],
                                                          ) -> None:
    late = block("Late", "23:00", 120)
    early = block("Early", "00:30", 30)
    r = await api.client.post(CHANNELS, json={"name": "x", "schedule_config": {
        "blocks": [late, early]}}, headers=owner)
    assert_problem(r, 422, "schedule_config.blocks[1]")


async def test_update_with_overlapping_blocks_leaves_the_channel_alone(
        any_api: Api) -> None:
    h = await any_api.register()
    created = await any_api.create_channel(h, schedule_config={
        "blocks": [block("A", "10:00", 60)]})
    url = f"{CHANNELS}/{created['id']}"
    bad = {"blocks": [block("A", "10:00", 60), block("B", "10:30", 60)]}
    assert_problem(await any_api.client.put(url, json={"schedule_config": bad, "name": "New"},
                                            headers=h), 422, "schedule_config.blocks[1]")
    assert (await any_api.client.get(url, headers=h)).json() == created


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", "UTC+25", "../etc/passwd"])
async def test_invalid_timezone_is_422(api: Api, owner: dict[str, str], tz: str) -> None:
    r = await api.client.post(CHANNELS, json={"name": "x", "timezone": tz}, headers=owner)
    assert_problem(r, 422, "timezone")


async def test_unknown_fields_are_422_naming_them(api: Api, owner: dict[str, str]) -> None:
    r = await api.client.post(CHANNELS, json={"name": "x", "colour": "red"}, headers=owner)
    body = assert_problem(r, 422, "colour")
    assert "colour" in body["errors"][0]["message"]
    nested = {**block("A", "10:00", 60), "repeat": True}
    r = await api.client.post(CHANNELS, json={"name": "x", "schedule_config": {
        "blocks": [nested]}}, headers=owner)
    assert_problem(r, 422, "schedule_config.blocks[0].repeat")
    created = await api.create_channel(owner)
    r = await api.client.put(f"{CHANNELS}/{created['id']}", json={"owner_id": "x"},
                             headers=owner)
    assert_problem(r, 422, "owner_id")


@pytest.mark.parametrize(("body", "field"), [
    ({"name": 3}, "name"),
    ({"name": "x", "enabled": "yes"}, "enabled"),
    ({"name": "x", "number": 101}, "number"),
    ({"name": "x", "schedule_config": []}, "schedule_config"),
    ({"name": "x", "recycle_policy": {"cooldown_days": "a week"}},
     "recycle_policy.cooldown_days"),
    ({"name": "x", "schedule_config": {"blocks": [{**block("A", "10:00", 60),
                                                   "duration_mins": "sixty"}]}},
     "schedule_config.blocks[0].duration_mins"),
    ({"description": "no name"}, "name"),
])
async def test_wrong_types_are_422_naming_the_field(api: Api, owner: dict[str, str],
                                                    body: Json, field: str) -> None:
    r = await api.client.post(CHANNELS, json=body, headers=owner)
    assert_problem(r, 422, field)


@pytest.mark.parametrize(("body", "field"), [
    ({"schedule_config": {"blocks": [block("A", "25:00", 60)]}},
     "schedule_config.blocks[0].start_time"),
    ({"schedule_config": {"blocks": [block("A", "10:61", 60)]}},
     "schedule_config.blocks[0].start_time"),
    ({"schedule_config": {"blocks": [block("A", "10:00", 0)]}},
     "schedule_config.blocks[0].duration_mins"),
    ({"schedule_config": {"blocks": [block("A", "10:00", 1441)]}},
     "schedule_config.blocks[0].duration_mins"),
    ({"schedule_config": {"blocks": [block("ok", "08:00", 30), block(" ", "10:00", 60)]}},
     "schedule_config.blocks[1].name"),
    ({"schedule_config": {"blocks": [manual("M", "10:00", 60, [])]}},
     "schedule_config.blocks[0].content.items"),
    ({"schedule_config": {"blocks": [{**block("A", "10:00", 60), "content": {
        "type": "algorithmic", "strategy": "random", "filter": {"decade": 1995}}}]}},
     "schedule_config.blocks[0].content.filter.decade"),
    ({"schedule_config": {"blocks": [{**block("A", "10:00", 60), "content": {
        "type": "algorithmic", "strategy": "shuffle"}}]}},
     "schedule_config.blocks[0].content.strategy"),
    ({"recycle_policy": {"cooldown_days": -1}}, "recycle_policy.cooldown_days"),
    ({"recycle_policy": {"min_available_ratio": 1.5}}, "recycle_policy.min_available_ratio"),
    ({"logo_url": "javascript:alert(1)"}, "logo_url"),
])
async def test_invalid_values_are_422_naming_the_field(any_api: Api, body: Json,
                                                       field: str) -> None:
    h = await any_api.register()
    r = await any_api.client.post(CHANNELS, json={"name": "x", **body}, headers=h)
    assert_problem(r, 422, field)
    created = await any_api.create_channel(h)
    r = await any_api.client.put(f"{CHANNELS}/{created['id']}", json=body, headers=h)
    assert_problem(r, 422, field)


@pytest.mark.parametrize("raw", [b"{bad", b"", b"[1, 2", b"{\"name\": \"x\",}", b"\xff\xfe"])
async def test_malformed_json_is_400(api: Api, owner: dict[str, str], raw: bytes) -> None:
    headers = {**owner, "Content-Type": "application/json"}
    r = await api.client.post(CHANNELS, content=raw, headers=headers)
    assert_problem(r, 400)
    created = await api.create_channel(owner)
    r = await api.client.put(f"{CHANNELS}/{created['id']}", content=raw, headers=headers)
    assert_problem(r, 400)
