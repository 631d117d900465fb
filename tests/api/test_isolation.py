"""Ownership: another user's channel is a 404 on every route, never a 403, and stays intact."""

from __future__ import annotations

import uuid

import httpx

from api.helpers import Api, assert_problem

CHANNELS = "/api/v1/channels"


async def every_route(api: Api, cid: str, headers: dict[str, str]) -> list[httpx.Response]:
    url = f"{CHANNELS}/{cid}"
    c = api.client
    return [
        await c.get(url, headers=headers),
        await c.put(url, json={"name": "Hijacked"}, headers=headers),
        await c.patch(url, json={"enabled": False}, headers=headers),
        await c.post(f"{url}/schedule", headers=headers),
        await c.get(f"{url}/schedule", headers=headers),
        await c.get(f"{url}/now", headers=headers),
        await c.get(f"{url}/epg", headers=headers),
        await c.get(f"{url}/epg", params={"from": "2026-11-21T00:00:00Z",
                                          "until": "2026-11-22T00:00:00Z"}, headers=headers),
        await c.get(f"{url}/stream", headers=headers, follow_redirects=False),
        await c.delete(url, headers=headers),
    ]


async def snapshot(api: Api, cid: str, headers: dict[str, str]) -> list[object]:
    url = f"{CHANNELS}/{cid}"
    c = api.client
    return [(await c.get(url, headers=headers)).json(),
            (await c.get(f"{url}/schedule", headers=headers)).json(),
            (await c.get(f"{url}/epg", headers=headers)).json()]


async def test_another_users_channel_is_404_everywhere(any_api: Api) -> None:
    alice = await any_api.register("alice@example.com")
    bob = await any_api.register("bob@example.com")
    cid = await any_api.on_air_channel(alice)
    before = await snapshot(any_api, cid, alice)  # also loads the on-air view (warm)

    unknown = await every_route(any_api, str(uuid.uuid4()), bob)
    for theirs, nothing in zip(await every_route(any_api, cid, bob), unknown, strict=True):
        body = assert_problem(theirs, 404)
        assert theirs.status_code != 403
        # Exactly what a channel that does not exist gets: nothing reveals it.
        assert body == assert_problem(nothing, 404), theirs.request.url

    assert (await any_api.client.get(CHANNELS, headers=bob)).json() == []
    assert await snapshot(any_api, cid, alice) == before
    now = await any_api.client.get(f"{CHANNELS}/{cid}/now", headers=alice)
    assert now.status_code == 200


async def test_isolation_holds_before_the_channel_is_ever_read(any_api: Api) -> None:
    alice = await any_api.register("alice@example.com")
    bob = await any_api.register("bob@example.com")
    cid = (await any_api.create_channel(alice))["id"]  # never generated, never loaded
    for r in await every_route(any_api, cid, bob):
        assert_problem(r, 404)
    listed = (await any_api.client.get(CHANNELS, headers=alice)).json()
    assert [c["id"] for c in listed] == [cid]
    assert listed[0]["name"] == "90s Sitcom Network"


async def test_channel_numbers_are_per_owner(any_api: Api) -> None:
    alice = await any_api.register("alice@example.com")
    bob = await any_api.register("bob@example.com")
    a = await any_api.create_channel(alice, number="7")
    b = await any_api.create_channel(bob, number="7")
    assert a["number"] == b["number"] == "7"
    assert (await any_api.create_channel(bob))["number"] == "8"
    assert [c["id"] for c in (await any_api.client.get(CHANNELS, headers=alice)).json()] == [
        a["id"]]
