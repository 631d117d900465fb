"""``GET/HEAD /api/v1/media/{id}/stream``: signed links, byte ranges, and nothing else."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from email.utils import formatdate
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.helpers import HASHER, JWT_SECRET, assert_problem
from fakes import FakeClock, InMemoryStore
from fakes.local_files import FakeLocalFiles
from ktv_api import Overrides, create_app, load_settings
from ktv_api.byte_ranges import ByteSpan, Unsatisfiable, parse_range
from ktv_api.local_files import LocalFiles
from ktv_api.media_urls import MediaUrls
from ktv_domain import MediaItemId
from support.ffmpeg import encode

ITEM = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"
SIZE = 1000
LINK_LIFE = timedelta(minutes=10)


class Stream:
    """A running app with one indexed file, and a way to make signed links."""

    def __init__(self, client: AsyncTestClient[Litestar], urls: MediaUrls, files: FakeLocalFiles,
                 clock: FakeClock, data: bytes) -> None:
        self.client, self.urls, self.files, self.clock, self.data = (
            client, urls, files, clock, data)

    def url(self, item_id: str = ITEM, valid_for: timedelta = LINK_LIFE) -> str:
        return self.urls.url_for(item_id, valid_for=valid_for)

    async def get(self, url: str | None = None, *, method: str = "GET",
                  headers: Mapping[str, str | bytes] | None = None) -> httpx.Response:
        raw = [(k.encode("ascii"), v if isinstance(v, bytes) else v.encode("latin-1"))
               for k, v in (headers or {}).items()]
        return await self.client.request(method, url or self.url(), headers=raw)


@asynccontextmanager
async def running(clock: FakeClock, *, files: LocalFiles | None,
                  env: Mapping[str, str] | None = None) -> AsyncIterator[
                      tuple[AsyncTestClient[Litestar], MediaUrls]]:
    settings = load_settings({"JWT_SECRET": JWT_SECRET, **(env or {})}, env_file=None)
    app = create_app(settings, overrides=Overrides(
        uow=InMemoryStore().uow, clock=clock, hasher=HASHER, media_files=files),
        keeper=False, sync_interval=3600)
    async with AsyncTestClient(app=app) as client:
        yield client, MediaUrls.from_settings(settings, clock)


@pytest.fixture
def data() -> bytes:
    return bytes(i % 251 for i in range(SIZE))  # no two neighbouring 251-byte runs alike


@pytest.fixture
async def stream(tmp_path: Path, clock: FakeClock, data: bytes) -> AsyncIterator[Stream]:
    (tmp_path / "media").mkdir()
    path = tmp_path / "media" / "Show - S01E01 - Pilot.mp4"
    path.write_bytes(data)
    files = FakeLocalFiles({ITEM: path})
    async with running(clock, files=files) as (client, urls):
        yield Stream(client, urls, files, clock, data)


def assert_media_headers(r: httpx.Response, *, length: int, content_type: str = "video/mp4",
                         ) -> None:
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["content-type"] == content_type
    assert r.headers["content-length"] == str(length)
    cache = r.headers["cache-control"]
    assert cache.startswith("private, max-age=")
    assert 0 < int(cache.rsplit("=", 1)[1]) <= LINK_LIFE.total_seconds()
    assert r.headers["etag"].startswith('"')
    assert r.headers["last-modified"].endswith(" GMT")


# --- the whole file and byte ranges -------------------------------------------------------

async def test_no_range_is_the_whole_file(stream: Stream) -> None:
    r = await stream.get()
    assert r.status_code == 200
    assert r.content == stream.data
    assert_media_headers(r, length=SIZE)
    assert "content-range" not in r.headers


@pytest.mark.parametrize(("header", "first", "last"), [
    ("bytes=0-99", 0, 99),
    ("bytes=100-", 100, SIZE - 1),
    ("bytes=-50", SIZE - 50, SIZE - 1),
    ("bytes=999-999", 999, 999),
    ("bytes=990-5000", 990, SIZE - 1),      # last-pos past the end is clamped
    ("bytes=-5000", 0, SIZE - 1),           # a suffix longer than the file is all of it
    ("BYTES = 10-19", 10, 19),              # the unit is case-insensitive
    ("bytes=0-9, 5-19", 0, 19),             # overlapping ranges are merged into one part
    ("bytes=20-29,30-39", 20, 39),          # so are adjacent ones
    ("bytes=0-99,10-19", 0, 99),            # a range inside an earlier one: the outer range
    ("bytes=10-19,0-99", 0, 99),            # in either order
    ("bytes=0-99,10-19,50-", 0, SIZE - 1),  # and a later one that reaches past both
    ("bytes=200-299, 1000-2000", 200, 299),  # an unsatisfiable one among others is dropped
])
async def test_one_range_is_a_206_with_exactly_those_bytes(
        stream: Stream, header: str, first: int, last: int) -> None:
    r = await stream.get(headers={"Range": header})
    assert r.status_code == 206, r.text
    assert r.headers["content-range"] == f"bytes {first}-{last}/{SIZE}"
    assert_media_headers(r, length=last - first + 1)
    assert r.content == stream.data[first:last + 1]


@pytest.mark.parametrize("header", ["bytes=999999-", f"bytes={SIZE}-", "bytes=-0",
                                    f"bytes={SIZE}-{SIZE + 10}, 5000-"])
async def test_a_range_past_the_end_is_a_416(stream: Stream, header: str) -> None:
    r = await stream.get(headers={"Range": header})
    body = assert_problem(r, 416)
    assert r.headers["content-range"] == f"bytes */{SIZE}"
    assert r.headers["accept-ranges"] == "bytes"
    assert str(SIZE) in body["detail"]


@pytest.mark.parametrize("header", [
    "bytes=abc", "bytes=", "bytes=-", "bytes=5-1", "bytes=1-2-3", "bytes=0x10-20", "bytes=+1-2",
    "bytes 0-99", "items=0-99", "0-99", "bytes=0 - 99", "", "bytes=٠-٩".encode(),
    "bytes=" + ",".join(f"{i}-{i}" for i in range(40)),  # too many ranges
    "bytes=0-9,100-109",  # disjoint ranges: we send no multipart, so the whole file
])
async def test_a_malformed_or_multipart_range_is_ignored(stream: Stream,
                                                         header: str | bytes) -> None:
    r = await stream.get(headers={"Range": header})
    assert r.status_code == 200, r.text
    assert r.content == stream.data
    assert "content-range" not in r.headers


async def test_huge_numbers_in_a_range_are_handled(stream: Stream) -> None:
    r = await stream.get(headers={"Range": "bytes=0-" + "9" * 5000})
    assert r.status_code == 206
    assert r.content == stream.data
    r = await stream.get(headers={"Range": "bytes=" + "9" * 5000 + "-"})
    assert r.status_code == 416
    r = await stream.get(headers={"Range": "bytes=" + "0" * 5000 + "7-9"})
    assert r.status_code == 206
    assert r.content == stream.data[7:10]


async def test_if_range_serves_the_range_only_for_the_same_file(stream: Stream) -> None:
    full = await stream.get()
    etag, modified = full.headers["etag"], full.headers["last-modified"]
    for validator in (etag, modified):
        r = await stream.get(headers={"Range": "bytes=0-9", "If-Range": validator})
        assert r.status_code == 206
        assert r.content == stream.data[:10]
    for stale in ('"other"', f"W/{etag}", formatdate(0, usegmt=True), "not a date"):
        r = await stream.get(headers={"Range": "bytes=0-9", "If-Range": stale})
        assert r.status_code == 200
        assert r.content == stream.data


async def test_a_changed_file_gets_a_new_etag(stream: Stream, tmp_path: Path) -> None:
    before = (await stream.get()).headers["etag"]
    path = stream.files.files[ITEM]
    path.write_bytes(b"x" * 10)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    r = await stream.get(headers={"Range": "bytes=0-1", "If-Range": before})
    assert r.status_code == 200
    assert r.content == b"x" * 10
    assert r.headers["etag"] != before


async def test_head_has_the_headers_and_no_body(stream: Stream) -> None:
    r = await stream.get(method="HEAD")
    assert r.status_code == 200
    assert r.content == b""
    assert_media_headers(r, length=SIZE)
    r = await stream.get(method="HEAD", headers={"Range": "bytes=100-199"})
    assert r.status_code == 206
    assert r.content == b""
    assert r.headers["content-range"] == f"bytes 100-199/{SIZE}"
    assert_media_headers(r, length=100)


async def test_an_empty_file_is_an_empty_200(stream: Stream, tmp_path: Path) -> None:
    empty = tmp_path / "empty.mkv"
    empty.write_bytes(b"")
    stream.files.add(OTHER, empty)
    for headers in ({}, {"Range": "bytes=0-"}, {"Range": "bytes=-10"}):
        r = await stream.get(stream.url(OTHER), headers=headers)
        assert r.status_code == 200
        assert r.content == b""
        assert_media_headers(r, length=0, content_type="video/x-matroska")


@pytest.mark.parametrize(("name", "content_type"), [
    ("a.mkv", "video/x-matroska"), ("a.TS", "video/mp2t"), ("a.webm", "video/webm"),
    ("a.m4v", "video/mp4"), ("a.avi", "video/x-msvideo"), ("a.bin", "application/octet-stream"),
])
async def test_the_content_type_follows_the_extension(
        stream: Stream, tmp_path: Path, name: str, content_type: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"data")
    stream.files.add(OTHER, path)
    r = await stream.get(stream.url(OTHER))
    assert r.status_code == 200
    assert r.headers["content-type"] == content_type


async def test_a_large_file_streams_whole_and_in_ranges(stream: Stream, tmp_path: Path) -> None:
    big = tmp_path / "big.mkv"
    data = os.urandom(5 * 1024 * 1024 + 123)
    big.write_bytes(data)
    stream.files.add(OTHER, big)
    r = await stream.get(stream.url(OTHER))
    assert r.status_code == 200
    assert r.headers["content-length"] == str(len(data))
    assert hashlib.sha256(r.content).digest() == hashlib.sha256(data).digest()

    first, last = 65_530, 3 * 65_536 + 17  # across several 64 KiB chunk boundaries
    r = await stream.get(stream.url(OTHER), headers={"Range": f"bytes={first}-{last}"})
    assert r.status_code == 206
    assert r.content == data[first:last + 1]
    r = await stream.get(stream.url(OTHER), headers={"Range": "bytes=-100000"})
    assert r.content == data[-100_000:]


async def test_a_real_mp4_seeks_by_range(stream: Stream, tmp_path: Path) -> None:
    video = encode(tmp_path / "real.mp4", 1.0, audio=False)
    stream.files.add(OTHER, video)
    whole = video.read_bytes()
    r = await stream.get(stream.url(OTHER), headers={"Range": "bytes=0-11"})
    assert r.status_code == 206
    assert r.headers["content-type"] == "video/mp4"
    assert r.content[4:8] == b"ftyp"  # the first box of an MP4
    r = await stream.get(stream.url(OTHER), headers={"Range": "bytes=12-"})
    assert r.status_code == 206
    assert whole[:12] + r.content == whole


# --- the signed link ----------------------------------------------------------------------

def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def path_of(url: str) -> str:
    return urlsplit(url).path


async def test_a_link_is_relative_without_a_public_base_url(stream: Stream) -> None:
    url = stream.url()
    assert url.startswith(f"/api/v1/media/{ITEM}/stream?exp=")
    assert set(query(url)) == {"exp", "sig"}
    assert int(query(url)["exp"]) == int((stream.clock.now() + LINK_LIFE).timestamp())


async def test_a_link_is_absolute_under_the_public_base_url(
        clock: FakeClock, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "a.mp4"
    path.write_bytes(data)
    env = {"PUBLIC_BASE_URL": "https://tv.example.com/ktv/"}
    async with running(clock, files=FakeLocalFiles({ITEM: path}), env=env) as (client, urls):
        url = urls.url_for(ITEM, valid_for=LINK_LIFE)
        assert url.startswith(f"https://tv.example.com/ktv/api/v1/media/{ITEM}/stream?exp=")
        # The signature covers the app's path, so the link works behind the proxy prefix.
        r = await client.get(f"/api/v1/media/{ITEM}/stream", params=query(url))
        assert r.status_code == 200
        assert r.content == data


async def test_links_expire(stream: Stream) -> None:
    url = stream.url(valid_for=timedelta(seconds=30))
    assert (await stream.get(url)).status_code == 200
    stream.clock.advance(timedelta(seconds=29))
    r = await stream.get(url)
    assert r.status_code == 200
    assert int(r.headers["cache-control"].rsplit("=", 1)[1]) <= 1  # never cached past expiry
    stream.clock.advance(timedelta(seconds=1))
    body = assert_problem(await stream.get(url), 403)
    assert body["detail"] == "invalid or expired link"
    assert stream.files.lookups == [ITEM, ITEM]  # a refused link never reaches the library


def flip_last(sig: str) -> str:
    return sig[:-1] + ("A" if sig[-1] != "A" else "B")


def tampered(url: str, **changes: str) -> str:
    q = {**query(url), **changes}
    return path_of(url) + "?" + "&".join(f"{k}={v}" for k, v in q.items())


@pytest.mark.parametrize("make", [
    pytest.param(lambda s: tampered(s.url(), sig=flip_last(query(s.url())["sig"])),
                 id="last sig character"),
    pytest.param(lambda s: tampered(s.url(), exp=str(int(query(s.url())["exp"]) + 3600)),
                 id="later exp"),
    pytest.param(lambda s: tampered(s.url(), exp="0" + query(s.url())["exp"]),
                 id="exp with a leading zero"),
    pytest.param(lambda s: s.url(OTHER).replace(OTHER, ITEM), id="another item's link"),
    pytest.param(lambda s: s.url().replace(ITEM, ITEM.upper()), id="id case changed"),
    pytest.param(lambda s: path_of(s.url()), id="no query"),
    pytest.param(lambda s: path_of(s.url()) + "?exp=" + query(s.url())["exp"], id="no sig"),
    pytest.param(lambda s: path_of(s.url()) + "?sig=" + query(s.url())["sig"], id="no exp"),
    pytest.param(lambda s: tampered(s.url(), sig=""), id="empty sig"),
    pytest.param(lambda s: tampered(s.url(), exp="soon"), id="exp not a number"),
    pytest.param(lambda s: tampered(s.url(), sig="%00" * 43), id="sig of NULs"),
])
async def test_a_tampered_or_incomplete_link_is_a_403(stream: Stream, make: object) -> None:
    assert callable(make)
    r = await stream.get(make(stream))
    body = assert_problem(r, 403)
    assert body["detail"] == "invalid or expired link"
    assert stream.files.lookups == []


#: The requests players make: plain, seeking (Range, If-Range), probing (HEAD).
PLAYER_REQUESTS = [
    pytest.param("GET", {}, id="GET"),
    pytest.param("GET", {"Range": "bytes=0-99"}, id="GET range"),
    pytest.param("GET", {"Range": "bytes=-50"}, id="GET suffix range"),
    pytest.param("GET", {"Range": f"bytes={SIZE}-"}, id="GET unsatisfiable range"),
    pytest.param("GET", {"Range": "bytes=0-9", "If-Range": '"x"'}, id="GET if-range"),
    pytest.param("HEAD", {}, id="HEAD"),
    pytest.param("HEAD", {"Range": "bytes=100-199"}, id="HEAD range"),
]
BAD_LINKS = [
    pytest.param(lambda s: path_of(s.url()), id="missing"),
    pytest.param(lambda s: tampered(s.url(), sig=flip_last(query(s.url())["sig"])),
                 id="tampered"),
    pytest.param(lambda s: s.url(valid_for=timedelta(seconds=1)), id="expired"),
]


@pytest.mark.parametrize(("method", "headers"), PLAYER_REQUESTS)
@pytest.mark.parametrize("make", BAD_LINKS)
async def test_the_signature_is_checked_first_on_every_request_players_make(
        stream: Stream, method: str, headers: dict[str, str], make: object) -> None:
    """A Range or HEAD request with a bad link is a 403 before the library is asked."""
    assert callable(make)
    url = make(stream)
    stream.clock.advance(timedelta(seconds=1))  # the "expired" link dies; the others never lived
    r = await stream.get(url, method=method, headers=headers)
    assert r.status_code == 403, r.text
    assert "content-range" not in r.headers
    assert "accept-ranges" not in r.headers
    if method == "GET":
        assert assert_problem(r, 403)["detail"] == "invalid or expired link"
    else:
        assert r.content == b""
    assert stream.files.lookups == []


async def test_a_link_signed_with_another_secret_is_a_403(
        stream: Stream, clock: FakeClock, data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "a.mp4"
    path.write_bytes(data)
    env = {"COOKIE_SECRET": "another-cookie-secret-" + "9" * 64}
    async with running(clock, files=FakeLocalFiles({ITEM: path}), env=env) as (client, urls):
        foreign = urls.url_for(ITEM, valid_for=LINK_LIFE)
        assert (await client.get(foreign)).status_code == 200
    assert_problem(await stream.get(foreign), 403)


async def test_a_bearer_token_is_not_a_substitute_for_the_signature(stream: Stream) -> None:
    r = await stream.get(path_of(stream.url()), headers={"Authorization": "Bearer whatever"})
    assert_problem(r, 403)


async def test_an_unknown_item_with_a_valid_link_is_a_404(stream: Stream) -> None:
    body = assert_problem(await stream.get(stream.url(OTHER)), 404)
    assert body["detail"] == "no such media item"


async def test_without_local_files_every_item_is_a_404(clock: FakeClock) -> None:
    async with running(clock, files=None) as (client, urls):
        r = await client.get(urls.url_for(ITEM, valid_for=LINK_LIFE))
        assert_problem(r, 404)


async def test_a_file_gone_since_indexing_or_not_a_file_is_a_404(
        stream: Stream, tmp_path: Path) -> None:
    stream.files.add(OTHER, tmp_path / "deleted.mp4")
    assert_problem(await stream.get(stream.url(OTHER)), 404)
    stream.files.add(OTHER, tmp_path)  # a directory
    assert_problem(await stream.get(stream.url(OTHER)), 404)


class NaiveFiles:
    """A deliberately careless LocalFiles that joins the id onto a folder, to show the
    endpoint itself never hands it an id that could walk out of that folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.asked: list[str] = []

    async def local_file(self, item_id: MediaItemId) -> Path:
        self.asked.append(item_id)
        return self.root / item_id


@pytest.mark.parametrize("item_id", [
    "../secret.txt", "..%2Fsecret.txt", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2fsecret.txt",
    "..\\secret.txt", "..", ".", "a/../../secret.txt", "%2Fetc%2Fpasswd", "secret.txt%00",
])
async def test_path_traversal_in_the_id_never_reaches_a_file(
        clock: FakeClock, tmp_path: Path, item_id: str) -> None:
    root = tmp_path / "media"
    root.mkdir()
    (root / "ok").write_bytes(b"inside")
    (tmp_path / "secret.txt").write_bytes(b"TOP SECRET")
    files = NaiveFiles(root)
    async with running(clock, files=files) as (client, urls):
        assert (await client.get(urls.url_for("ok", valid_for=LINK_LIFE))).content == b"inside"
        # Even a correctly signed link for the hostile id (as the router decodes it) fails.
        for decoded in {item_id, item_id.replace("%2F", "/").replace("%2f", "/")
                        .replace("%2e", ".").replace("%00", "\x00")}:
            signed = urls.url_for(decoded, valid_for=LINK_LIFE)
            for url in (signed, f"/api/v1/media/{item_id}/stream?" + urlsplit(signed).query):
                r = await client.get(url)
                assert r.status_code in (403, 404), (url, r.status_code)
                assert b"SECRET" not in r.content
                assert b"root:" not in r.content
    assert files.asked == ["ok"]


async def test_the_route_is_in_the_openapi_document(stream: Stream) -> None:
    doc = (await stream.client.get("/api/v1/openapi.json")).json()
    operation = doc["paths"]["/api/v1/media/{item_id}/stream"]
    assert {"get", "head"} <= set(operation)
    get = operation["get"]
    assert {"200", "206", "403", "404", "416"} <= set(get["responses"])
    assert {p["name"] for p in get["parameters"]} >= {"item_id", "exp", "sig", "range"}
    assert "security" not in get or get["security"] == []


def test_parse_range_units() -> None:
    # The pure parser, for inputs an HTTP client would not send as they are.
    assert parse_range(None, 10) is None
    assert parse_range("bytes=0-", 0) is None  # an empty file: always the whole (empty) file
    assert parse_range("bytes=,,2-4,,", 10) == ByteSpan(2, 4, 10)  # empty list elements
    assert parse_range("bytes=20-", 10) == Unsatisfiable(10)
    assert parse_range("bytes=٠-٩", 10) is None  # digits other than ASCII are no numbers
    assert ByteSpan(2, 4, 10).length == 3
