"""``/library``: browsing for the channel editor, on fakes and on real local folders."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from pathlib import Path

import pytest

from api.helpers import Api, Json, Start, assert_problem, block, library
from fakes import FakeMediaProvider
from ktv_domain import CollectionKind, LibraryCollection, MediaSourceUnavailable
from support.ffmpeg import encode

COLLECTIONS = [LibraryCollection(id="lib-tv", name="TV", kind=CollectionKind.LIBRARY),
               LibraryCollection(id="box-1", name="Favourites", kind=CollectionKind.BOX_SET),
               LibraryCollection(id="empty", name="Nothing here", kind=CollectionKind.FOLDER)]


@pytest.fixture
def media() -> FakeMediaProvider:
    """The API tests' library, every third item in the TV library and the box set."""
    items = [dataclasses.replace(it, collections=("lib-tv", "box-1")) if n % 3 == 0 else it
             for n, it in enumerate(library())]
    return FakeMediaProvider(items, COLLECTIONS)


async def test_collections_and_genres_with_counts(api: Api, owner: dict[str, str]) -> None:
    r = await api.client.get("/api/v1/library/collections", headers=owner)
    assert r.status_code == 200, r.text
    assert r.json() == {"collections": [
        {"id": "lib-tv", "name": "TV", "kind": "library", "item_count": 13},
        {"id": "box-1", "name": "Favourites", "kind": "box_set", "item_count": 13}]}
    r = await api.client.get("/api/v1/library/genres", headers=owner)
    assert r.json() == {"genres": [{"name": "Animation", "item_count": 6},
                                   {"name": "Comedy", "item_count": 38},
                                   {"name": "Drama", "item_count": 1}]}


async def test_items_search_filters_and_pages(api: Api, owner: dict[str, str]) -> None:
    url = "/api/v1/library/items"
    r = await api.client.get(url, params={"series": "nothing much", "limit": 5}, headers=owner)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 12
    assert [(i["season_number"], i["episode_number"]) for i in page["items"]] == [
        (1, 1), (1, 2), (1, 3), (1, 4), (1, 5)]
    seen = [i["id"] for i in page["items"]]
    while page["next_cursor"]:
        r = await api.client.get(url, params={"series": "Nothing Much", "limit": 5,
                                              "cursor": page["next_cursor"]}, headers=owner)
        page = r.json()
        seen += [i["id"] for i in page["items"]]
    assert len(seen) == len(set(seen)) == 12

    r = await api.client.get(url, params={"content_type": "movie", "genre": "DRAMA"},
                             headers=owner)
    assert [i["title"] for i in r.json()["items"]] == ["Serious Drama"]
    r = await api.client.get(url, params={"q": "comedy 3"}, headers=owner)
    assert {i["title"] for i in r.json()["items"]} >= {"Comedy Movie 30", "Comedy Movie 31"}
    r = await api.client.get(url, params={"collection": "box-1", "limit": 500}, headers=owner)
    assert r.json()["total"] == 13
    assert r.json()["next_cursor"] is None


@pytest.mark.parametrize(("params", "status", "field"), [
    ({"limit": "0"}, 400, "limit"),
    ({"limit": "501"}, 400, "limit"),
    ({"content_type": "cartoon"}, 400, "content_type"),
    ({"cursor": "not-a-cursor"}, 422, "cursor"),
    ({"q": "x" * 201}, 400, "q"),
])
async def test_invalid_queries_are_4xx(api: Api, owner: dict[str, str], params: dict[str, str],
                                       status: int, field: str) -> None:
    r = await api.client.get("/api/v1/library/items", params=params, headers=owner)
    assert_problem(r, status, field)


async def test_one_item_and_unknown_ids(api: Api, owner: dict[str, str]) -> None:
    items = (await api.client.get("/api/v1/library/items", headers=owner)).json()["items"]
    r = await api.client.get(f"/api/v1/library/items/{items[0]['id']}", headers=owner)
    assert r.status_code == 200
    assert r.json() == items[0]
    assert_problem(await api.client.get("/api/v1/library/items/nope", headers=owner), 404)


async def test_library_needs_a_token_and_a_media_source(start: Start) -> None:
    async with start(with_media=False) as api:
        assert_problem(await api.client.get("/api/v1/library/genres"), 401)
        headers = await api.register()
        for path in ("collections", "genres", "items", "items/x"):
            r = await api.client.get(f"/api/v1/library/{path}", headers=headers)
            assert_problem(r, 503)
            assert "no media source is configured" in r.json()["detail"]


async def test_a_failing_source_is_a_503(api: Api, owner: dict[str, str],
                                         media: FakeMediaProvider) -> None:
    media.fail_with = MediaSourceUnavailable("jellyfin is unreachable")
    r = await api.client.get("/api/v1/library/items", headers=owner)
    assert_problem(r, 503)
    assert r.headers["retry-after"] == "30"


async def test_scans_are_for_local_folders_and_admins(api: Api, owner: dict[str, str]) -> None:
    r = await api.client.post("/api/v1/library/scan", headers=owner)
    assert_problem(r, 409)
    other = await api.register("viewer@example.com")
    assert_problem(await api.client.post("/api/v1/library/scan", headers=other), 403)
    assert_problem(await api.client.get("/api/v1/library/scan", headers=other), 403)


# -- a real local library ---------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    clip = encode(tmp_path / "clip.mp4", 3)
    for rel in ("Show/Season 01/Show - S01E01 - One.mp4", "Show/Season 01/Show - S01E02 - Two.mp4",
                "Movies/Film (2001)/Film (2001).mp4", "Shorts/Bit.mp4"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(clip, root / rel)
    (root / "Show" / "tvshow.nfo").write_text("<tvshow><genre>Comedy</genre></tvshow>")
    return root


async def _scanned(api: Api, headers: dict[str, str]) -> Json:
    """The scan status once the running scan is over (the app runs on its own loop)."""
    for _ in range(600):
        r = await api.client.get("/api/v1/library/scan", headers=headers)
        assert r.status_code == 200, r.text
        if r.json()["state"] not in ("idle", "requested", "running"):
            status: Json = r.json()
            return status
        await asyncio.sleep(0.05)
    raise AssertionError("the scan did not finish in 30 s")


async def test_a_local_library_end_to_end(start: Start, folder: Path) -> None:
    async with start(backend="sqlite", with_media=False,
                     env={"MEDIA_DIRS": str(folder)}) as api:
        headers = await api.register()
        status = await _scanned(api, headers)  # the start-up scan
        assert (status["state"], status["items"], status["probed"]) == ("done", 4, 4)
        r = await api.client.get("/api/v1/config")
        assert r.json()["media_source"] == "local"

        r = await api.client.get("/api/v1/library/items", params={"series": "Show"},
                                 headers=headers)
        assert [i["title"] for i in r.json()["items"]] == ["One", "Two"]
        collections = (await api.client.get("/api/v1/library/collections",
                                            headers=headers)).json()["collections"]
        assert {(c["name"], c["kind"]) for c in collections} == {
            ("media", "library"), ("Show", "folder"), ("Movies", "folder"), ("Shorts", "folder")}

        r = await api.client.post("/api/v1/library/scan", headers=headers)
        assert r.status_code == 202
        assert r.json()["state"] in ("requested", "running")
        status = await _scanned(api, headers)
        assert (status["probed"], status["unchanged"]) == (0, 4)

        # Schedule the episodes and follow /stream to the file.
        config = {"blocks": [block("All day", "00:00", 1440)]}
        cid = (await api.create_channel(headers, schedule_config=config))["id"]
        r = await api.client.post(f"/api/v1/channels/{cid}/schedule", headers=headers)
        assert r.status_code == 201, r.text
        r = await api.client.get(f"/api/v1/channels/{cid}/stream", headers=headers,
                                 follow_redirects=False)
        assert r.status_code == 307, r.text
        location = r.headers["location"]
        assert location.startswith("/api/v1/media/")
        r = await api.client.get(location.split("#")[0], headers={"Range": "bytes=0-99"})
        assert r.status_code == 206, r.headers
        assert r.content == (folder / "Shorts/Bit.mp4").read_bytes()[:100]  # all one clip
