"""The fake Jellyfin server: OpenAPI conformance and the fidelity points of protocols.md §6."""

from __future__ import annotations

import httpx
import pytest

from fakes.jellyfin import FakeJellyfin
from integration.jellyfin_env import API_KEY, BASE, Library, build_library
from integration.openapi_check import response_schema, validate

AUTH = {"Authorization": f'MediaBrowser Token="{API_KEY}", Client="tests"'}


async def get(server: FakeJellyfin, path: str, params: dict[str, str] | None = None,
              headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(transport=server.transport()) as client:
        return await client.get(BASE + path, params=params,
                                headers=AUTH if headers is None else headers)


@pytest.fixture
def lib() -> Library:
    return build_library()


async def test_items_answer_conforms_to_the_official_schema(lib: Library) -> None:
    r = await get(lib.server, "/Items", {"recursive": "true", "fields": "Genres,Tags,Overview,"
                                         "ParentId,SortName"})
    body = r.json()
    assert len(body["Items"]) > 10
    assert validate(body, response_schema("/Items")) == []
    assert validate({"Items": [{"Id": "x", "Bogus": 1}]}, response_schema("/Items")) != []


async def test_virtual_folders_and_user_views_conform(lib: Library) -> None:
    folders = (await get(lib.server, "/Library/VirtualFolders")).json()
    assert validate(folders, response_schema("/Library/VirtualFolders")) == []
    user = lib.server.add_user("bob")
    views = (await get(lib.server, "/UserViews", {"userId": user})).json()
    assert validate(views, response_schema("/UserViews")) == []
    assert {v["CollectionType"] for v in views["Items"]} >= {"movies", "tvshows"}


async def test_user_views_need_a_user_under_an_api_key(lib: Library) -> None:
    assert (await get(lib.server, "/UserViews")).status_code == 400
    assert (await get(lib.server, "/UserViews", {"userId": "a" * 32})).status_code == 404


async def test_pascal_case_omitted_nulls_hex_ids_and_dates(lib: Library) -> None:
    r = await get(lib.server, "/Items", {"ids": lib.heat.id})
    [item] = r.json()["Items"]
    assert item["Id"] == lib.heat.id
    assert len(item["Id"]) == 32
    assert item["PremiereDate"] == "1995-06-01T00:00:00.0000000Z"
    assert item["ChannelId"] is None
    assert "SeriesName" not in item
    assert item["RunTimeTicks"] == 170 * 60 * 10_000_000
    assert '"Overview"' not in r.text  # fields gating: not requested, absent


async def test_fields_gate_genres_tags_overview_parent(lib: Library) -> None:
    q = {"ids": lib.heat.id, "fields": "genres,TAGS,Overview,ParentId,ProductionYear,Nope"}
    [item] = (await get(lib.server, "/Items", q)).json()["Items"]
    assert item["Genres"] == ["Crime", "Drama"]
    assert item["Tags"] == ["heist"]
    assert item["Overview"]
    assert item["ParentId"] == lib.movies.id


async def test_recursive_defaults_to_false(lib: Library) -> None:
    flat = (await get(lib.server, "/Items", {"parentId": lib.movies.id})).json()
    deep = (await get(lib.server, "/Items", {"parentId": lib.movies.id,
                                             "recursive": "true"})).json()
    assert {i["Name"] for i in flat["Items"]} == {"Heat", "Sci-Fi", "Paperman", "Unprobed"}
    assert "Alien" in {i["Name"] for i in deep["Items"]}


async def test_delimiters_unknown_enums_and_case_insensitive_keys(lib: Library) -> None:
    base = {"Recursive": "TRUE", "INCLUDEITEMTYPES": "Movie,Bogus"}
    piped = (await get(lib.server, "/items", {**base, "genres": "crime|animation"})).json()
    assert {i["Name"] for i in piped["Items"]} == {"Heat"}  # Paperman is a Video
    comma = (await get(lib.server, "/Items", {**base, "genres": "Crime,Drama"})).json()
    assert comma["Items"] == []  # a comma is part of one genre name
    typo = (await get(lib.server, "/Items", {"recursive": "true",
                                             "includeItemTypes": "Movies"})).json()
    assert typo["TotalRecordCount"] > piped["TotalRecordCount"]  # dropped => no filter
    years = (await get(lib.server, "/Items", {"recursive": "true", "years": "1979,1995"})).json()
    assert {i["Name"] for i in years["Items"]} == {"Heat", "Alien"}


async def test_virtual_items_present_unless_excluded(lib: Library) -> None:
    q = {"parentId": lib.series.id, "recursive": "true", "includeItemTypes": "Episode"}
    every = (await get(lib.server, "/Items", q)).json()
    real = (await get(lib.server, "/Items", {**q, "excludeLocationTypes": "Virtual"})).json()
    assert every["TotalRecordCount"] == 7
    assert real["TotalRecordCount"] == 6
    virtual = [i for i in every["Items"] if i["LocationType"] == "Virtual"]
    assert len(virtual) == 1
    assert "RunTimeTicks" not in virtual[0]


async def test_paging_total_ignores_limit_and_start_index_echoes(lib: Library) -> None:
    q = {"recursive": "true", "includeItemTypes": "Episode", "sortBy": "SortName"}
    page = (await get(lib.server, "/Items", {**q, "startIndex": "2", "limit": "3"})).json()
    assert page["TotalRecordCount"] == 7
    assert page["StartIndex"] == 2
    assert len(page["Items"]) == 3
    assert (await get(lib.server, "/Items", q)).json()["StartIndex"] == 0


@pytest.mark.parametrize(("headers", "params", "legacy", "status"), [
    ({}, {}, False, 401),
    ({"Authorization": f"MediaBrowser Token={API_KEY}"}, {}, False, 200),
    ({"Authorization": f'mediabrowser client="a%20b", token="{API_KEY}"'}, {}, False, 200),
    ({}, {"ApiKey": API_KEY}, False, 200),
    ({"X-Emby-Token": API_KEY}, {}, False, 401),
    ({}, {"api_key": API_KEY}, False, 401),
    ({"Authorization": f'Emby Token="{API_KEY}"'}, {}, False, 401),
    ({"X-Emby-Token": API_KEY}, {}, True, 200),
    ({}, {"api_key": API_KEY}, True, 200),
    ({"Authorization": 'MediaBrowser Token="wrong"'}, {}, False, 401),
])
async def test_auth_rules(headers: dict[str, str], params: dict[str, str], legacy: bool,
                          status: int) -> None:
    lib = build_library(legacy_auth=legacy)
    assert (await get(lib.server, "/Items", params, headers)).status_code == status


async def test_stream_and_images_are_anonymous(lib: Library) -> None:
    stream = f"/Videos/{lib.heat.id}/stream"
    full = await get(lib.server, stream, {"static": "true"}, {})
    assert full.status_code == 200
    assert full.headers["accept-ranges"] == "bytes"
    part = await get(lib.server, stream, {"static": "true"}, {"Range": "bytes=100-"})
    assert part.status_code == 206
    assert part.content == full.content[100:]
    image = await get(lib.server, f"/Items/{lib.heat.id}/Images/Primary", None, {})
    assert image.status_code == 200
    assert (await get(lib.server, "/Items", None, {})).status_code == 401
