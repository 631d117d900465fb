"""``/channels`` CRUD with partial updates, on fakes and on SQLite."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from api.helpers import Api, Json, assert_problem, block

CHANNELS = "/api/v1/channels"

#: The K-TV README's example: two algorithmic blocks with explicit ids.
README_CONFIG: Json = {"blocks": [
    {"id": "00000000-0000-0000-0000-000000000001", "name": "Evening Sitcoms",
     "start_time": "20:00:00", "duration_mins": 120,
     "content": {"type": "algorithmic",
                 "filter": {"content_type": "episode", "genres": ["Comedy"], "decade": 1990,
                            "min_duration_secs": 1200, "max_duration_secs": 1800,
                            "collections": [], "tags": []},
                 "strategy": "random"}},
    {"id": "00000000-0000-0000-0000-000000000002", "name": "Late Night Movie",
     "start_time": "22:00:00", "duration_mins": 150,
     "content": {"type": "algorithmic",
                 "filter": {"content_type": "movie", "genres": ["Comedy"], "decade": None,
                            "min_duration_secs": None, "max_duration_secs": None,
                            "collections": [], "tags": []},
                 "strategy": "best_fit"}},
]}
DEFAULT_POLICY = {"cooldown_days": 7, "cooldown_generations": None, "min_available_ratio": 0.2}


def with_defaults(config: Json) -> Json:
    """``config`` as the API answers it: every default spelled out."""
    out = copy.deepcopy(config)
    for b in out["blocks"]:
        b.setdefault("loop_on_finish", True)
        b["content"]["filter"].setdefault("series", [])
    return out


async def test_create_assigns_numbers_and_defaults(any_api: Api) -> None:
    h = await any_api.register()
    first = await any_api.create_channel(h, name="One")
    second = await any_api.create_channel(h, name="Two")
    assert (first["number"], second["number"]) == ("1", "2")
    assert first["timezone"] == "UTC"
    assert first["enabled"] is True
    assert first["logo_url"] is None
    assert first["description"] == ""
    assert first["schedule_config"] == {"blocks": []}
    assert first["recycle_policy"] == DEFAULT_POLICY
    assert first["stream_profile"] is None  # the server's STREAM_PROFILE
    assert first["catchup_days"] == 7
    assert first["created_at"] == first["updated_at"] == "2026-11-21T12:00:00Z"
    assert set(first) == {"id", "name", "description", "number", "timezone", "enabled",
                          "logo_url", "schedule_config", "recycle_policy", "stream_profile",
                          "catchup_days", "created_at", "updated_at"}


async def test_explicit_and_duplicate_numbers(any_api: Api) -> None:
    h = await any_api.register()
    assert (await any_api.create_channel(h, number="101.1"))["number"] == "101.1"
    assert (await any_api.create_channel(h))["number"] == "102"
    r = await any_api.client.post(CHANNELS, json={"name": "Dup", "number": "101.1"}, headers=h)
    assert_problem(r, 409)
    other = await any_api.create_channel(h, number="5")
    r = await any_api.client.put(f"{CHANNELS}/{other['id']}", json={"number": "102"},
                                 headers=h)
    assert_problem(r, 409)
    assert (await any_api.client.get(f"{CHANNELS}/{other['id']}", headers=h)).json()[
        "number"] == "5"
    assert_problem(await any_api.client.post(CHANNELS, json={"name": "X", "number": "abc"},
                                             headers=h), 422, "number")


async def test_list_is_ordered_by_number(any_api: Api) -> None:
    h = await any_api.register()
    for number in ("10", "9.2", "2", "9", "9.10", "100"):
        await any_api.create_channel(h, name=f"Ch {number}", number=number)
    listed = (await any_api.client.get(CHANNELS, headers=h)).json()
    assert [c["number"] for c in listed] == ["2", "9", "9.2", "9.10", "10", "100"]


async def test_get_one_channel(any_api: Api) -> None:
    h = await any_api.register()
    created = await any_api.create_channel(h, name="Mine", description="d",
                                           timezone="America/New_York",
                                           logo_url="https://img.example.com/logo.png")
    r = await any_api.client.get(f"{CHANNELS}/{created['id']}", headers=h)
    assert r.status_code == 200
    assert r.json() == created


async def test_put_changes_only_the_given_fields(any_api: Api) -> None:
    h = await any_api.register()
    created = await any_api.create_channel(h, schedule_config=README_CONFIG,
                                           description="kept", enabled=False)
    url = f"{CHANNELS}/{created['id']}"
    any_api.clock.advance(timedelta(minutes=1))
    r = await any_api.client.put(url, json={"name": "Renamed"}, headers=h)
    assert r.status_code == 200
    updated = r.json()
    assert updated["name"] == "Renamed"
    assert updated["updated_at"] == "2026-11-21T12:01:00Z"
    unchanged = {k: v for k, v in updated.items() if k not in ("name", "updated_at")}
    assert unchanged == {k: v for k, v in created.items() if k not in ("name", "updated_at")}
    assert (await any_api.client.get(url, headers=h)).json() == updated


async def test_patch_is_an_alias_of_put(any_api: Api) -> None:
    h = await any_api.register()
    created = await any_api.create_channel(h, schedule_config=README_CONFIG)
    url = f"{CHANNELS}/{created['id']}"
    r = await any_api.client.patch(url, json={"description": "patched", "enabled": False},
                                   headers=h)
    assert r.status_code == 200
    assert (r.json()["description"], r.json()["enabled"]) == ("patched", False)
    assert r.json()["schedule_config"] == created["schedule_config"]
    assert (await any_api.client.patch(url, json={}, headers=h)).json() == r.json()


async def test_null_clears_the_logo_and_restores_the_default_policy(any_api: Api) -> None:
    h = await any_api.register()
    policy = {"cooldown_days": None, "cooldown_generations": 3, "min_available_ratio": 0.5}
    created = await any_api.create_channel(h, logo_url="https://img.example.com/l.png",
                                           recycle_policy=policy)
    assert created["recycle_policy"] == policy
    url = f"{CHANNELS}/{created['id']}"
    r = await any_api.client.put(url, json={"logo_url": None}, headers=h)
    assert r.json()["logo_url"] is None
    assert r.json()["recycle_policy"] == policy
    r = await any_api.client.put(url, json={"recycle_policy": None}, headers=h)
    assert r.json()["recycle_policy"] == DEFAULT_POLICY
    assert (await any_api.client.get(url, headers=h)).json()["recycle_policy"] == DEFAULT_POLICY


async def test_readme_schedule_config_round_trips(any_api: Api) -> None:
    h = await any_api.register()
    created = await any_api.create_channel(h, name="90s Sitcom Network",
                                           timezone="America/New_York")
    url = f"{CHANNELS}/{created['id']}"
    r = await any_api.client.put(url, json={"schedule_config": README_CONFIG}, headers=h)
    assert r.status_code == 200
    assert r.json()["schedule_config"] == with_defaults(README_CONFIG)
    again = await any_api.client.put(url, json={"schedule_config": r.json()["schedule_config"]},
                                     headers=h)
    assert again.json()["schedule_config"] == with_defaults(README_CONFIG)
    stored = (await any_api.client.get(url, headers=h)).json()
    assert stored["schedule_config"] == with_defaults(README_CONFIG)


async def test_a_block_without_id_gets_one_and_keeps_it(any_api: Api) -> None:
    h = await any_api.register()
    created = await any_api.create_channel(h, schedule_config={
        "blocks": [block("Morning", "06:00", 60)]})
    first: dict[str, Any] = created["schedule_config"]["blocks"][0]
    assert first["id"]
    url = f"{CHANNELS}/{created['id']}"
    sent_back = {"blocks": [first, block("Noon", "12:00", 30)]}
    r = await any_api.client.put(url, json={"schedule_config": sent_back}, headers=h)
    blocks = r.json()["schedule_config"]["blocks"]
    assert blocks[0]["id"] == first["id"]
    assert blocks[1]["id"]
    assert blocks[1]["id"] != first["id"]
    renamed = [{**blocks[0], "name": "Early Morning"}, blocks[1]]
    r = await any_api.client.put(url, json={"schedule_config": {"blocks": renamed}}, headers=h)
    assert [b["id"] for b in r.json()["schedule_config"]["blocks"]] == [b["id"] for b in blocks]


async def test_delete_then_404(any_api: Api) -> None:
    h = await any_api.register()
    created = await any_api.create_channel(h)
    url = f"{CHANNELS}/{created['id']}"
    r = await any_api.client.delete(url, headers=h)
    assert r.status_code == 204
    assert r.content == b""
    assert_problem(await any_api.client.get(url, headers=h), 404)
    assert_problem(await any_api.client.delete(url, headers=h), 404)
    assert_problem(await any_api.client.put(url, json={"name": "x"}, headers=h), 404)
    assert (await any_api.client.get(CHANNELS, headers=h)).json() == []
    assert (await any_api.create_channel(h))["number"] == "1"


async def test_a_malformed_channel_id_is_a_400_naming_it(api: Api,
                                                       owner: dict[str, str]) -> None:
    """Not a UUID, or a UUID spelled another way than the document's hyphenated form
    (no dashes, braces): refused, never coerced or taken for an unknown route."""
    created = (await api.create_channel(owner))["id"]
    for bad in ("not-a-uuid", created.replace("-", ""), "{" + created + "}", "123"):
        for method in ("GET", "PUT", "DELETE"):
            r = await api.client.request(method, f"{CHANNELS}/{bad}", headers=owner,
                                         json={"name": "x"} if method == "PUT" else None)
            assert_problem(r, 400, "channel_id")
        assert_problem(await api.client.get(f"{CHANNELS}/{bad}/now", headers=owner), 400,
                       "channel_id")
    r = await api.client.get(f"{CHANNELS}/{created.upper()}", headers=owner)
    assert r.status_code == 200, r.text
