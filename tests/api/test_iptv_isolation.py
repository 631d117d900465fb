"""Feed tokens and the IPTV documents: only the owner's enabled channels, revocation at once."""

from __future__ import annotations

import pytest
from ipytv import playlist

from api.helpers import Api, assert_problem
from api.iptv_helpers import feed_token

PATHS = ["channels.m3u", "xmltv.xml", "hdhr/discover.json", "hdhr/lineup.json",
         "hdhr/lineup_status.json", "hdhr/device.xml", "logos/1.png"]


async def test_a_users_token_lists_only_their_channels(any_api: Api) -> None:
    ann, bob = await any_api.register("ann@example.com"), await any_api.register("bob@example.com")
    await any_api.create_channel(ann, name="Ann One")
    await any_api.create_channel(bob, name="Bob One")
    a, b = await feed_token(any_api, ann), await feed_token(any_api, bob)
    for token, mine, theirs in ((a, "Ann One", "Bob One"), (b, "Bob One", "Ann One")):
        for path in ("channels.m3u", "xmltv.xml", "hdhr/lineup.json"):
            r = await any_api.client.get(f"/iptv/{token}/{path}")
            assert r.status_code == 200
            assert mine in r.text
            assert theirs not in r.text


@pytest.mark.parametrize("how", ["revoke", "rotate", "delete-by-id"])
async def test_revoked_and_rotated_tokens_are_404_at_once(any_api: Api, how: str) -> None:
    owner = await any_api.register()
    await any_api.create_channel(owner)
    name = "living-room" if how == "delete-by-id" else None
    token = await feed_token(any_api, owner, name)
    unknown = await any_api.client.get("/no/such/route")
    for path in PATHS:
        assert (await any_api.client.get(f"/iptv/{token}/{path}")).status_code == 200, path
    if how == "revoke":
        assert (await any_api.client.delete("/api/v1/auth/feed-token",
                                            headers=owner)).status_code == 204
    elif how == "rotate":
        fresh = await feed_token(any_api, owner)
        assert (await any_api.client.get(f"/iptv/{fresh}/channels.m3u")).status_code == 200
    else:
        listed = (await any_api.client.get("/api/v1/auth/feed-tokens", headers=owner)).json()
        (entry,) = [t for t in listed if t["name"] == name]
        assert (await any_api.client.delete(f"/api/v1/auth/feed-tokens/{entry['id']}",
                                            headers=owner)).status_code == 204
    for path in PATHS:
        r = await any_api.client.get(f"/iptv/{token}/{path}")
        assert r.status_code == 404, path
        assert r.content == unknown.content
    r = await any_api.client.post(f"/iptv/{token}/hdhr/lineup.post")
    assert r.status_code == 404


async def test_disabled_channels_are_in_no_document(api: Api, owner: dict[str, str]) -> None:
    await api.create_channel(owner, number="1", name="Shown")
    hidden = (await api.create_channel(owner, number="2", name="Hidden"))["id"]
    await api.client.patch(f"/api/v1/channels/{hidden}", headers=owner, json={"enabled": False})
    token = await feed_token(api, owner)
    assert [c.name for c in playlist.loads(
        (await api.client.get(f"/iptv/{token}/channels.m3u")).text)] == ["Shown"]
    for path in ("xmltv.xml", "hdhr/lineup.json"):
        text = (await api.client.get(f"/iptv/{token}/{path}")).text
        assert "Shown" in text
        assert "Hidden" not in text
    assert (await api.client.get(f"/iptv/{token}/logos/2.png")).status_code == 404
    assert (await api.client.get("/api/v1/iptv/channels.m3u", headers=owner)).text.count(
        "#EXTINF") == 1


async def test_named_tokens_api(any_api: Api) -> None:
    owner = await any_api.register()
    url = "/api/v1/auth/feed-tokens"
    assert (await any_api.client.get(url, headers=owner)).json() == []
    default = await feed_token(any_api, owner)
    r = await any_api.client.post(url, headers=owner, json={"name": "living-room"})
    assert r.status_code == 201
    body = r.json()
    assert body["name"] == "living-room"
    assert body["m3u_url"] == f"http://testserver.local/iptv/{body['token']}/channels.m3u"
    assert r.headers["cache-control"] == "no-store"
    any_api.clock.advance(__import__("datetime").timedelta(minutes=1))
    await any_api.client.get(f"/iptv/{default}/channels.m3u")  # a use is recorded
    listed = (await any_api.client.get(url, headers=owner)).json()
    assert [t["name"] for t in listed] == ["default", "living-room"]
    assert listed[0]["last_used_at"] == "2026-11-21T12:01:00Z"
    assert listed[1]["last_used_at"] is None
    assert all(set(t) == {"id", "name", "created_at", "last_used_at"} for t in listed)
    assert default not in str(listed)
    assert body["token"] not in str(listed)
    assert_problem(await any_api.client.post(url, headers=owner, json={"name": "living-room"}),
                   409)
    assert_problem(await any_api.client.post(url, headers=owner, json={"name": "Bad Name"}),
                   422, "name")
    assert_problem(await any_api.client.post(url, headers=owner, json={"nom": "x"}), 422)
    other = await any_api.register("other@example.com")
    victim = listed[1]["id"]
    assert_problem(await any_api.client.delete(f"{url}/{victim}", headers=other), 404)
    assert (await any_api.client.get(f"/iptv/{body['token']}/channels.m3u")).status_code == 200
    assert (await any_api.client.delete(f"{url}/{victim}", headers=owner)).status_code == 204
    assert_problem(await any_api.client.delete(f"{url}/{victim}", headers=owner), 404)
    assert_problem(await any_api.client.get(url), 401)
