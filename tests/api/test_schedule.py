"""Generate, the active schedule, now and the stream redirect, with the fake media and clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from api.helpers import EVENING_BLOCKS, Api, assert_problem, library

CHANNELS = "/api/v1/channels"
SLOT_KEYS = {"id", "start_at", "end_at", "block_id", "generation", "item"}
ITEM_KEYS = {"id", "title", "content_type", "duration_secs", "series_name", "season_number",
             "episode_number", "year", "genres", "tags", "overview", "image_url"}


def at(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text)


async def test_generate_returns_the_new_generation(any_api: Api) -> None:
    h = await any_api.register()
    cid = await any_api.on_air_channel(h, generate=False)
    r = await any_api.client.post(f"{CHANNELS}/{cid}/schedule", headers=h)
    assert r.status_code == 201
    gen = r.json()
    assert {"id", "channel_id", "generation", "valid_from", "valid_until", "slots",
            "warnings"} <= set(gen)
    assert gen["channel_id"] == cid
    assert gen["generation"] == 1
    assert isinstance(gen["warnings"], list)
    assert at(gen["valid_from"]) == any_api.clock.now()
    # T + 48 h is 12:00 two days on, inside the 11:00-14:00 block: the block is filled.
    assert any_api.settings.schedule_horizon_hours == 48
    assert gen["valid_until"] == "2026-11-23T14:00:00Z"
    assert gen["slots"], gen
    titles = {it.title for it in library()}
    config = (await any_api.client.get(f"{CHANNELS}/{cid}", headers=h)).json()
    block_ids = {b["id"] for b in config["schedule_config"]["blocks"]}
    for slot in gen["slots"]:
        assert set(slot) == SLOT_KEYS
        assert set(slot["item"]) == ITEM_KEYS
        assert slot["generation"] == 1
        assert slot["block_id"] in block_ids
        assert slot["item"]["title"] in titles
        assert "Comedy" in slot["item"]["genres"]
        assert at(slot["start_at"]) < at(slot["end_at"])
    starts = [at(s["start_at"]) for s in gen["slots"]]
    assert starts == sorted(starts)
    assert max(at(s["end_at"]) for s in gen["slots"]) <= at(gen["valid_until"])


async def test_regenerating_makes_generation_2_and_keeps_what_is_on_air(any_api: Api) -> None:
    h = await any_api.register()
    cid = await any_api.on_air_channel(h)
    first = (await any_api.client.get(f"{CHANNELS}/{cid}/now", headers=h)).json()
    any_api.clock.advance(timedelta(minutes=5))
    r = await any_api.client.post(f"{CHANNELS}/{cid}/schedule", headers=h)
    assert r.status_code == 201
    assert r.json()["generation"] == 2
    now = (await any_api.client.get(f"{CHANNELS}/{cid}/now", headers=h)).json()
    assert now["slot"] == first["slot"]  # what is on air is never cut

    active = await any_api.client.get(f"{CHANNELS}/{cid}/schedule", headers=h)
    assert active.status_code == 200
    body = active.json()
    assert body["generation"] == 2
    assert body["channel_id"] == cid
    assert body["slots"][0] == first["slot"]
    on_air = body["slots"][0]
    assert at(on_air["start_at"]) <= any_api.clock.now() < at(on_air["end_at"])
    assert {s["generation"] for s in body["slots"][1:]} == {2}
    assert at(body["valid_until"]) == at(r.json()["valid_until"])


async def test_active_schedule_is_empty_before_any_generation(any_api: Api) -> None:
    """A channel that was just created exists, and so does its (empty) schedule: a client
    following the OpenAPI link from the creation reads it without a 404."""
    h = await any_api.register()
    cid = await any_api.on_air_channel(h, generate=False)
    r = await any_api.client.get(f"{CHANNELS}/{cid}/schedule", headers=h)
    assert r.status_code == 200, r.text
    assert r.json() == {"channel_id": cid, "generation": 0, "valid_until": None, "slots": []}
    assert (await any_api.client.get(f"{CHANNELS}/{cid}/now", headers=h)).status_code == 204


async def test_now_reports_the_slot_on_air_and_the_offset(any_api: Api) -> None:
    h = await any_api.register()
    cid = await any_api.on_air_channel(h)
    any_api.clock.advance(timedelta(minutes=7, seconds=30))
    r = await any_api.client.get(f"{CHANNELS}/{cid}/now", headers=h)
    assert r.status_code == 200
    now = r.json()
    slot = now["slot"]
    start, end = at(slot["start_at"]), at(slot["end_at"])
    clock = any_api.clock.now()
    assert start <= clock < end
    assert now["offset_secs"] == (clock - start).total_seconds()
    assert slot["item"]["title"] in {it.title for it in library()}
    assert now["next"] is not None
    assert at(now["next"]["start_at"]) >= end


async def test_now_and_stream_are_204_in_a_gap(any_api: Api) -> None:
    h = await any_api.register()
    cid = await any_api.on_air_channel(h, blocks=EVENING_BLOCKS)
    assert (await any_api.client.get(f"{CHANNELS}/{cid}/schedule", headers=h)).status_code == 200
    for route in ("now", "stream"):
        r = await any_api.client.get(f"{CHANNELS}/{cid}/{route}", headers=h,
                                     follow_redirects=False)
        assert r.status_code == 204, route
        assert r.content == b"", route
    any_api.clock.set(any_api.clock.now().replace(hour=20, minute=10))
    now = await any_api.client.get(f"{CHANNELS}/{cid}/now", headers=h)
    assert now.status_code == 200
    assert now.json()["slot"]["item"]["content_type"] == "episode"


async def test_stream_redirects_to_the_provider_url_with_the_offset(any_api: Api) -> None:
    h = await any_api.register()
    cid = await any_api.on_air_channel(h)
    any_api.clock.advance(timedelta(minutes=3, seconds=15))
    now = (await any_api.client.get(f"{CHANNELS}/{cid}/now", headers=h)).json()
    r = await any_api.client.get(f"{CHANNELS}/{cid}/stream", headers=h, follow_redirects=False)
    assert r.status_code == 307
    offset = f"{now['offset_secs']:.3f}"
    item = now["slot"]["item"]["id"]
    assert r.headers["location"] == (
        f"http://media.test/videos/{item}/stream?static=true#t={offset}")
    assert r.headers["x-ktv-offset-secs"] == offset
    assert float(offset) == now["offset_secs"]
    assert r.headers.get("cache-control") == "no-store"


async def test_empty_pool_generates_with_a_warning(any_api: Api) -> None:
    h = await any_api.register()
    nothing = [{"name": "Westerns", "start_time": "11:00", "duration_mins": 60,
                "content": {"type": "algorithmic", "strategy": "random",
                            "filter": {"genres": ["Western"]}}}]
    cid = await any_api.on_air_channel(h, blocks=nothing, generate=False)
    r = await any_api.client.post(f"{CHANNELS}/{cid}/schedule", headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["slots"] == []
    block_id = (await any_api.client.get(f"{CHANNELS}/{cid}", headers=h)
                ).json()["schedule_config"]["blocks"][0]["id"]
    [warning] = r.json()["warnings"]  # one per block and code, not one per occurrence
    assert warning["code"] == "empty_pool"
    assert warning["block_id"] == block_id
    assert "'Westerns'" in warning["message"]
    assert "no item" in warning["message"]


async def test_deleting_a_channel_removes_its_schedule(any_api: Api) -> None:
    h = await any_api.register()
    cid = await any_api.on_air_channel(h)
    assert (await any_api.client.delete(f"{CHANNELS}/{cid}", headers=h)).status_code == 204
    for route in ("schedule", "now", "epg", "stream"):
        r = await any_api.client.get(f"{CHANNELS}/{cid}/{route}", headers=h,
                                     follow_redirects=False)
        assert_problem(r, 404)
    assert_problem(await any_api.client.post(f"{CHANNELS}/{cid}/schedule", headers=h), 404)
