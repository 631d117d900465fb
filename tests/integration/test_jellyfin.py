"""JellyfinProvider against the fake server: request shapes, mapping, catalog, manual order."""

from __future__ import annotations

import pytest

from integration.jellyfin_env import API_KEY, BASE, build_library, params_of, provider_for
from ktv_domain import ContentType, MediaFilter, MediaItemId, MediaPool
from ktv_jellyfin import filter_queries


async def test_catalog_requests_carry_auth_header_and_exact_params() -> None:
    lib = build_library()
    async with provider_for(lib.server) as p:
        await p.find_items(MediaFilter())
    reqs = lib.server.requests
    assert reqs[0].url.path == "/jf/Library/VirtualFolders"
    for r in reqs:
        auth = r.headers["authorization"]
        assert auth.startswith(f'MediaBrowser Token="{API_KEY}", Client="K-TV"')
        assert 'DeviceId="' in auth
        assert 'Version="' in auth
        assert API_KEY not in str(r.url)
    items = [params_of(r) for r in reqs if r.url.path == "/jf/Items"]
    by_library = next(q for q in items if q.get("parentId") == lib.movies.id)
    assert by_library["recursive"] == "true"
    assert by_library["excludeLocationTypes"] == "Virtual"
    assert by_library["includeItemTypes"] == "Movie,Episode,Video,Folder,Series,Season"
    assert set(by_library["fields"].split(",")) >= {"Genres", "Tags", "Overview", "ParentId"}
    assert by_library["sortBy"] == "SortName,ProductionYear,DateCreated"
    assert {"startIndex", "limit"} <= by_library.keys()
    assert "userId" not in by_library  # API key alone
    # the music library is never walked
    assert {q.get("parentId") for q in items} >= {lib.movies.id, lib.shows.id}
    assert len([q for q in items if q.get("parentId") in (lib.movies.id, lib.shows.id)]) == 2


async def test_mapping_drops_virtual_and_runtimeless_items_and_classifies_shorts() -> None:
    lib = build_library()
    async with provider_for(lib.server) as p:
        pool = await p.find_items(MediaFilter())
    by_id = {it.id: it for it in pool}
    assert lib.runtimeless.id not in by_id
    assert lib.virtual.id not in by_id
    assert len(pool) == 3 + 6  # three films + six episodes
    heat = by_id[MediaItemId(lib.heat.id)]
    assert heat.content_type is ContentType.MOVIE
    assert heat.duration_secs == 170 * 60
    assert heat.year == 1995
    assert heat.genres == ("Crime", "Drama")
    assert heat.tags == ("heist",)
    assert heat.overview == "A thief and a cop."
    assert heat.image_url == f"{BASE}/Items/{lib.heat.id}/Images/Primary"
    assert by_id[MediaItemId(lib.short.id)].content_type is ContentType.SHORT
    ep = next(it for it in pool if it.content_type is ContentType.EPISODE)
    assert ep.series_name == "Friends"
    assert ep.season_number in (1, 2)
    assert ep.episode_number
    assert [it.id for it in pool] == sorted(it.id for it in pool)


async def test_collections_cover_library_ancestors_and_box_sets() -> None:
    lib = build_library()
    async with provider_for(lib.server) as p:
        in_movies = await p.find_items(MediaFilter(collections=(lib.movies.id,)))
        in_box = await p.find_items(MediaFilter(collections=(lib.box.id,)))
        in_series = await p.find_items(MediaFilter(collections=(lib.series.id,)))
    assert {it.title for it in in_movies} == {"Heat", "Alien", "Paperman"}
    assert [it.title for it in in_box] == ["Heat"]
    assert len(in_series) == 6


@pytest.mark.parametrize("media_filter", [
    MediaFilter(),
    MediaFilter(content_type=ContentType.MOVIE),
    MediaFilter(content_type=ContentType.SHORT),
    MediaFilter(content_type=ContentType.EPISODE, max_duration_secs=30 * 60),
    MediaFilter(genres=("crime", "comedy")),
    MediaFilter(tags=("HEIST",)),
    MediaFilter(decade=1990),
    MediaFilter(decade=1970, genres=("Science Fiction",)),
    MediaFilter(series=("friends",)),
    MediaFilter(min_duration_secs=100 * 60),
])
async def test_server_side_search_agrees_with_the_local_catalog(media_filter: MediaFilter) -> None:
    lib = build_library()
    async with provider_for(lib.server) as p:
        local = list(await p.find_items(media_filter))
        remote = await p.search(media_filter)
    assert [it.id for it in remote] == [it.id for it in local]


async def test_collection_search_unions_one_parent_query_per_collection() -> None:
    lib = build_library()
    f = MediaFilter(collections=(lib.box.id, lib.series.id), decade=1990)
    async with provider_for(lib.server) as p:
        lib.server.requests.clear()
        remote = await p.search(f)
        local = await p.find_items(f)
    searched = [params_of(r) for r in lib.server.requests[:2]]
    assert [q["parentId"] for q in searched] == [lib.box.id, lib.series.id]
    assert searched[0]["years"] == ",".join(str(y) for y in range(1990, 2000))
    assert [it.id for it in remote] == [it.id for it in local] == [lib.heat.id]


def test_filter_queries_use_pipes_for_genres_and_tags_and_commas_elsewhere() -> None:
    [q] = filter_queries(MediaFilter(genres=("Crime", "Drama"), tags=("a", "b"),
                                     content_type=ContentType.EPISODE), "ab" * 16)
    d = dict(q)
    assert d["genres"] == "Crime|Drama"
    assert d["tags"] == "a|b"
    assert d["includeItemTypes"] == "Episode"
    assert d["userId"] == "ab" * 16


async def test_paging_walks_every_page_until_the_total() -> None:
    lib = build_library()
    big = lib.server.add_library("Big", "movies")
    for n in range(23):
        lib.server.add_video(f"Film {n:02}", big, minutes=95)
    async with provider_for(lib.server, page_size=5) as p:
        pool = await p.find_items(MediaFilter(collections=(big.id,)))
    assert len(pool) == 23
    pages = [params_of(r) for r in lib.server.requests if params_of(r).get("parentId") == big.id]
    assert [q["startIndex"] for q in pages] == ["0", "5", "10", "15", "20"]
    assert {q["limit"] for q in pages} == {"5"}


async def test_pools_are_cut_from_one_catalog_and_reused() -> None:
    lib = build_library()
    async with provider_for(lib.server) as p:
        a = await p.find_items(MediaFilter(genres=("Comedy",)))
        b = await p.find_items(MediaFilter(genres=("Comedy",)))
        catalog = await p.catalog()
    assert a is b
    assert isinstance(a, MediaPool)
    assert a.catalog is catalog
    assert [catalog[i] for i in a.catalog_positions or ()] == list(a)


async def test_get_items_keeps_the_listed_order_and_leaves_unknown_ids_out() -> None:
    lib = build_library()
    ids = [lib.short.id, "f" * 32, lib.heat.id, "not-a-guid", lib.alien.id, lib.virtual.id]
    async with provider_for(lib.server) as p:
        got = await p.get_items([MediaItemId(i) for i in ids])
    assert [it.id for it in got] == [lib.short.id, lib.heat.id, lib.alien.id]
    [req] = lib.server.requests  # one /Items?ids= call, no catalog walk
    q = params_of(req)
    assert q["ids"] == ",".join([lib.short.id, "f" * 32, lib.heat.id, lib.alien.id,
                                 lib.virtual.id])


async def test_get_items_with_only_invalid_ids_asks_nothing() -> None:
    # Jellyfin drops unparsable Guids, and an empty ids filter returns every item.
    lib = build_library()
    async with provider_for(lib.server) as p:
        assert await p.get_items([MediaItemId("nope")]) == []
    assert lib.server.requests == []


async def test_with_a_user_id_libraries_come_from_user_views() -> None:
    lib = build_library()
    user = lib.server.add_user("alice")
    async with provider_for(lib.server, user_id=user) as p:
        pool = await p.find_items(MediaFilter())
    assert len(pool) == 9
    first = lib.server.requests[0]
    assert first.url.path == "/jf/UserViews"
    assert params_of(first) == {"userId": user}
    assert all(params_of(r)["userId"] == user for r in lib.server.requests)
