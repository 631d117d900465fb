"""``/auth/feed-token``: create, rotate, revoke; the dependency the IPTV routes will use."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.feed_probe import feed_probe
from api.helpers import Api, Start, assert_problem, auth, token_subject
from ktv_domain import hash_feed_token, is_feed_token_shaped

FEED = "/api/v1/auth/feed-token"


@asynccontextmanager
async def probing(api: Api) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A client of the test-only app that authenticates with feed tokens."""
    async with AsyncTestClient(app=feed_probe(api)) as client:
        yield client


async def probe(client: AsyncTestClient[Litestar], token: str) -> httpx.Response:
    return await client.get(f"/iptv/{token}/probe")


async def create(api: Api, headers: dict[str, str]) -> dict[str, str]:
    r = await api.client.post(FEED, headers=headers)
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    body: dict[str, str] = r.json()
    return body


async def test_create_returns_the_token_once_with_ready_made_urls(any_api: Api) -> None:
    owner = await any_api.register()
    body = await create(any_api, owner)
    assert set(body) == {"token", "id", "name", "m3u_url", "xmltv_url", "hdhomerun_url",
                         "created_at"}
    assert body["name"] == "default"
    token = body["token"]
    assert is_feed_token_shaped(token)
    base = f"http://testserver.local/iptv/{token}"
    assert body["m3u_url"] == f"{base}/channels.m3u"
    assert body["xmltv_url"] == f"{base}/xmltv.xml"
    assert body["hdhomerun_url"] == f"{base}/hdhr/"
    assert body["created_at"] == "2026-11-21T12:00:00Z"
    async with probing(any_api) as client:
        r = await probe(client, token)
        assert r.status_code == 200
        assert r.json()["email"] == "owner@example.com"
    # Shown once: nothing else returns it.
    me = await any_api.client.get("/api/v1/auth/me", headers=owner)
    assert token not in me.text


async def test_public_base_url_wins_over_the_request(start: Start) -> None:
    async with start(env={"PUBLIC_BASE_URL": "https://tv.example.com/k-tv/"}) as api:
        body = await create(api, await api.register())
        assert body["m3u_url"] == f"https://tv.example.com/k-tv/iptv/{body['token']}/channels.m3u"
        assert body["hdhomerun_url"].startswith("https://tv.example.com/k-tv/iptv/")


async def test_only_the_hash_is_stored(api: Api) -> None:
    owner = await api.register()
    token = (await create(api, owner))["token"]
    assert api.store is not None
    (stored,) = api.store.data.feed_tokens.values()
    assert stored.token_hash == hash_feed_token(token)
    assert stored.user_id == token_subject(owner["Authorization"].split()[1])
    assert token not in repr(api.store.data)


async def test_rotation_stops_the_old_token_at_once(any_api: Api) -> None:
    owner = await any_api.register()
    async with probing(any_api) as client:
        first = (await create(any_api, owner))["token"]
        assert (await probe(client, first)).status_code == 200
        second = (await create(any_api, owner))["token"]
        assert second != first
        assert (await probe(client, first)).status_code == 404
        assert (await probe(client, second)).status_code == 200


async def test_revoke_is_204_idempotent_and_immediate(any_api: Api) -> None:
    owner = await any_api.register()
    async with probing(any_api) as client:
        token = (await create(any_api, owner))["token"]
        assert (await probe(client, token)).status_code == 200
        for _ in range(2):
            r = await any_api.client.delete(FEED, headers=owner)
            assert r.status_code == 204
            assert r.content == b""
        assert (await probe(client, token)).status_code == 404
        # A new one can be made after a revocation.
        fresh = (await create(any_api, owner))["token"]
        assert (await probe(client, fresh)).status_code == 200


async def test_tokens_belong_to_their_owner(api: Api) -> None:
    ann, bob = await api.register("ann@example.com"), await api.register("bob@example.com")
    async with probing(api) as client:
        a, b = (await create(api, ann))["token"], (await create(api, bob))["token"]
        assert (await probe(client, a)).json()["email"] == "ann@example.com"
        assert (await probe(client, b)).json()["email"] == "bob@example.com"
        assert (await api.client.delete(FEED, headers=bob)).status_code == 204
        assert (await probe(client, a)).status_code == 200  # only Bob's went


async def test_both_routes_need_a_bearer_token(api: Api) -> None:
    for r in (await api.client.post(FEED), await api.client.delete(FEED),
              await api.client.post(FEED, headers=auth("not-a-jwt"))):
        assert_problem(r, 401)
        assert r.headers["www-authenticate"].startswith("Bearer")


async def test_unknown_revoked_and_malformed_tokens_are_a_bare_404(api: Api) -> None:
    owner = await api.register()
    revoked = (await create(api, owner))["token"]
    await api.client.delete(FEED, headers=owner)
    async with probing(api) as client:
        unmatched = await client.get("/no/such/route")
        assert_problem(unmatched, 404)
        for token in (revoked, "ktvf_" + "A" * 43, "garbage", "x" * 300, "%00", "ktvf_"):
            r = await probe(client, token)
            assert r.status_code == 404
            # Indistinguishable from a path that does not exist: no hint what was wrong.
            assert r.content == unmatched.content
            assert "www-authenticate" not in r.headers


async def test_a_deleted_users_token_stops_working(api: Api) -> None:
    owner = await api.register()
    token = (await create(api, owner))["token"]
    await api.ktv.users.delete(token_subject(owner["Authorization"].split()[1]))
    async with probing(api) as client:
        assert (await probe(client, token)).status_code == 404
    assert api.store is not None
    assert api.store.data.feed_tokens == {}


async def test_failed_lookups_are_rate_limited_per_client(start: Start) -> None:
    async with start(env={"AUTH_RATE_LIMIT_PER_MINUTE": "3"}) as api:
        good = (await create(api, await api.register()))["token"]
        async with probing(api) as client:
            for _ in range(10):  # successes never use up the budget
                assert (await probe(client, good)).status_code == 200
            for n in range(3):
                assert (await probe(client, f"ktvf_{n:0>43}")).status_code == 404
            r = await probe(client, "ktvf_" + "9" * 43)
            assert_problem(r, 429)
            assert 1 <= int(r.headers["retry-after"]) <= 60
            # Over the limit, a guesser learns nothing: the good token is refused too.
            assert (await probe(client, good)).status_code == 429


async def test_creating_tokens_is_rate_limited(start: Start) -> None:
    async with start(env={"AUTH_RATE_LIMIT_PER_MINUTE": "3"}) as api:
        owner = await api.register("a@example.com")
        for _ in range(3):
            await create(api, owner)
        r = await api.client.post(FEED, headers=owner)
        assert_problem(r, 429)
        assert "token" not in r.json()
