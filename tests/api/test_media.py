"""The media source missing or failing: 503 saying which, while everything else works."""

from __future__ import annotations

import pytest

from api.helpers import ON_AIR_BLOCKS, Api, Start, assert_problem
from fakes import FakeMediaProvider
from ktv_domain import MediaSourceError, MediaSourceUnauthorized, MediaSourceUnavailable

CHANNELS = "/api/v1/channels"


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
async def test_without_a_media_source_generation_is_503(start: Start, backend: str) -> None:
    async with start(backend=backend, with_media=False) as api:
        h = await api.register()
        created = await api.create_channel(h, schedule_config={"blocks": ON_AIR_BLOCKS})
        url = f"{CHANNELS}/{created['id']}"
        r = await api.client.post(f"{url}/schedule", headers=h)
        body = assert_problem(r, 503)
        assert "no media source is configured" in body["detail"]
        empty = await api.client.get(f"{url}/schedule", headers=h)
        assert (empty.status_code, empty.json()["generation"]) == (200, 0)
        assert (await api.client.get(f"{url}/now", headers=h)).status_code == 204
        assert (await api.client.get(f"{url}/epg", headers=h)).json() == []

        # Channel CRUD does not need a media source.
        r = await api.client.put(url, json={"name": "Still editable"}, headers=h)
        assert r.status_code == 200
        assert r.json()["name"] == "Still editable"
        assert len((await api.client.get(CHANNELS, headers=h)).json()) == 1
        assert (await api.client.delete(url, headers=h)).status_code == 204

        assert (await api.client.get("/api/v1/config")).json()["media_source"] is None
        ready = await api.client.get("/api/v1/health/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"]["media_source"] == "not configured"


@pytest.mark.parametrize("error", [
    MediaSourceUnavailable("the media server at http://jellyfin.lan:8096 is unreachable"),
    MediaSourceUnauthorized("the media server refused our API key"),
])
async def test_a_failing_media_source_is_503_and_stores_nothing(
        any_api: Api, media: FakeMediaProvider, error: MediaSourceError) -> None:
    h = await any_api.register()
    cid = await any_api.on_air_channel(h, generate=False)
    media.fail_with = error
    r = await any_api.client.post(f"{CHANNELS}/{cid}/schedule", headers=h)
    body = assert_problem(r, 503)
    assert body["detail"] == error.message
    if isinstance(error, MediaSourceUnavailable):  # retrying helps only when it is down
        assert int(r.headers["retry-after"]) >= 1
    else:
        assert "retry-after" not in r.headers
    nothing = await any_api.client.get(f"{CHANNELS}/{cid}/schedule", headers=h)
    assert nothing.json()["generation"] == 0  # nothing stored

    media.fail_with = None  # back up: the next attempt is generation 1
    r = await any_api.client.post(f"{CHANNELS}/{cid}/schedule", headers=h)
    assert r.status_code == 201
    assert r.json()["generation"] == 1


async def test_stream_is_503_while_the_source_is_down_but_now_and_epg_answer(
        any_api: Api, media: FakeMediaProvider) -> None:
    h = await any_api.register()
    cid = await any_api.on_air_channel(h)
    media.fail_with = MediaSourceUnavailable("the media server timed out")
    r = await any_api.client.get(f"{CHANNELS}/{cid}/stream", headers=h, follow_redirects=False)
    body = assert_problem(r, 503)
    assert body["detail"] == "the media server timed out"
    assert (await any_api.client.get(f"{CHANNELS}/{cid}/now", headers=h)).status_code == 200
    assert (await any_api.client.get(f"{CHANNELS}/{cid}/epg", headers=h)).json()
    regenerate = await any_api.client.post(f"{CHANNELS}/{cid}/schedule", headers=h)
    assert_problem(regenerate, 503)
    active = await any_api.client.get(f"{CHANNELS}/{cid}/schedule", headers=h)
    assert active.json()["generation"] == 1


async def test_a_missing_manual_item_is_a_warning_not_an_error(api: Api,
                                                                owner: dict[str, str]) -> None:
    manual = {"name": "Pinned", "start_time": "18:00", "duration_mins": 60,
              "content": {"type": "manual", "items": ["no-such-item"]}}
    cid = await api.on_air_channel(owner, blocks=[*ON_AIR_BLOCKS, manual], generate=False)
    r = await api.client.post(f"{CHANNELS}/{cid}/schedule", headers=owner)
    assert r.status_code == 201, r.text
    assert r.json()["slots"]
    pinned = next(b["id"] for b in (await api.client.get(f"{CHANNELS}/{cid}", headers=owner)
                                    ).json()["schedule_config"]["blocks"]
                  if b["name"] == "Pinned")
    warnings = {w["code"]: w for w in r.json()["warnings"]}
    assert set(warnings) == {"unknown_items", "empty_pool"}
    assert {w["block_id"] for w in warnings.values()} == {pinned}
    assert "no-such-item" in warnings["unknown_items"]["message"]
    assert "skipped 1 unknown" in warnings["unknown_items"]["message"]
    assert "none of its listed items can be played" in warnings["empty_pool"]["message"]
