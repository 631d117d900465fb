"""JellyfinProvider failures, secrets and the catalog cache."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from fakes import FakeMonotonic
from integration.jellyfin_env import API_KEY, BASE, build_library, provider_for
from ktv_domain import (
    MediaFilter,
    MediaItemId,
    MediaSourceUnauthorized,
    MediaSourceUnavailable,
    NotFound,
)
from ktv_jellyfin import JellyfinProvider


async def test_a_refused_key_is_unauthorized_and_never_echoed() -> None:
    lib = build_library()
    async with provider_for(lib.server, api_key="ffffffffffffffffffffffffffffffff") as p:
        with pytest.raises(MediaSourceUnauthorized) as info:
            await p.find_items(MediaFilter())
    assert "ffffffff" not in str(info.value)
    assert BASE in str(info.value)
    assert len(lib.server.requests) == 1  # 401 is not retried


async def test_403_is_unauthorized() -> None:
    lib = build_library()
    lib.server.faults = [403]
    async with provider_for(lib.server) as p:
        with pytest.raises(MediaSourceUnauthorized):
            await p.find_items(MediaFilter())


async def test_timeouts_are_retried_then_unavailable_without_the_key() -> None:
    lib = build_library()
    slept: list[float] = []

    async def sleep(secs: float) -> None:
        slept.append(secs)

    lib.server.faults = [httpx.ConnectTimeout(f"timed out (key {API_KEY})")] * 3
    async with provider_for(lib.server, retries=2, backoff_secs=0.5, sleep=sleep) as p:
        with pytest.raises(MediaSourceUnavailable) as info:
            await p.find_items(MediaFilter())
    message = str(info.value)
    assert message.startswith(f"the Jellyfin server at {BASE} is unreachable: ConnectTimeout")
    assert API_KEY not in message
    assert isinstance(info.value.__cause__, httpx.ConnectTimeout)
    assert slept == [0.5, 1.0]
    assert len(lib.server.requests) == 3


async def test_connect_errors_and_5xx_are_retried_and_can_recover() -> None:
    lib = build_library()
    lib.server.faults = [httpx.ConnectError("refused"), 503]
    async with provider_for(lib.server, retries=2) as p:
        pool = await p.find_items(MediaFilter())
    assert len(pool) == 9


async def test_persistent_5xx_is_unavailable() -> None:
    lib = build_library()
    lib.server.faults = [500, 502, 503]
    async with provider_for(lib.server, retries=2) as p:
        with pytest.raises(MediaSourceUnavailable, match="HTTP 503"):
            await p.get_items([MediaItemId(lib.heat.id)])


async def test_a_malformed_body_is_unavailable() -> None:
    lib = build_library()
    async with httpx.AsyncClient(transport=httpx.MockTransport(
            lambda _r: httpx.Response(200, content=b"<html>proxy</html>"))) as client:
        p = JellyfinProvider(BASE, API_KEY, client=client)
        with pytest.raises(MediaSourceUnavailable, match="malformed"):
            await p.get_items([MediaItemId(lib.heat.id)])


async def test_playable_url_is_anonymous_static_and_works_with_ranges() -> None:
    lib = build_library()
    async with provider_for(lib.server) as p:
        source = await p.playable_source(MediaItemId(lib.heat.id))
        with pytest.raises(NotFound):
            await p.playable_source(MediaItemId("e" * 32))
    assert source.url == f"{BASE}/Videos/{lib.heat.id}/stream?static=true"
    assert API_KEY not in source.url
    assert "apikey" not in source.url.lower()
    async with httpx.AsyncClient(transport=lib.server.transport()) as client:
        r = await client.get(source.url, headers={"Range": "bytes=10-19"})
    assert r.status_code == 206
    assert len(r.content) == 10
    assert r.headers["content-range"].startswith("bytes 10-19/")


async def test_fifty_concurrent_callers_share_one_catalog_fetch() -> None:
    lib = build_library()
    filters = [MediaFilter(min_duration_secs=n) for n in range(50)]
    async with provider_for(lib.server) as p:
        pools = await asyncio.gather(*(p.find_items(f) for f in filters))
        catalog_calls = len(lib.server.requests)
        await asyncio.gather(*(p.find_items(f) for f in filters))
    assert p.catalog_fetches == 1
    assert len(lib.server.requests) == catalog_calls
    assert len({id(pool.catalog) for pool in pools if hasattr(pool, "catalog")}) == 1


async def test_concurrent_callers_share_one_failed_fetch() -> None:
    lib = build_library()
    lib.server.faults = [httpx.ConnectError("refused")] * 3
    async with provider_for(lib.server, retries=2) as p:
        results = await asyncio.gather(*(p.find_items(MediaFilter(min_duration_secs=n))
                                         for n in range(50)), return_exceptions=True)
        assert all(isinstance(r, MediaSourceUnavailable) for r in results)
        assert len(lib.server.requests) == 3  # one fetch and its two retries
        assert len(await p.find_items(MediaFilter())) == 9  # the next call tries again


async def test_the_catalog_is_refetched_after_the_ttl_and_pools_survive_no_change() -> None:
    lib = build_library()
    clock = FakeMonotonic()
    f = MediaFilter(genres=("Drama",))
    async with provider_for(lib.server, monotonic=clock, catalog_ttl=60) as p:
        first = await p.find_items(f)
        clock.t += 59
        assert await p.find_items(f) is first
        assert p.catalog_fetches == 1
        clock.t += 2
        assert await p.find_items(f) is first
        assert p.catalog_fetches == 2
        lib.server.add_video("Casino", lib.movies, minutes=178, genres=("Drama",))
        clock.t += 61
        changed = await p.find_items(f)
    assert changed is not first
    assert {it.title for it in changed} == {"Heat", "Casino"}


async def test_get_items_serves_known_ids_from_a_fresh_catalog() -> None:
    lib = build_library()
    async with provider_for(lib.server) as p:
        await p.find_items(MediaFilter())
        before = len(lib.server.requests)
        got = await p.get_items([MediaItemId(lib.alien.id), MediaItemId(lib.heat.id)])
    assert [it.title for it in got] == ["Alien", "Heat"]
    assert len(lib.server.requests) == before
