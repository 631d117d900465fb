"""The web player's page and files (``/watch``): content types, caching, the vendored
hls.js, and its Content-Security-Policy, which is loosened on ``/watch`` only."""

from __future__ import annotations

import hashlib
import re
from importlib.resources import files

import pytest

from api.helpers import Api, Start, assert_problem
from api.test_security import API_CSP, assert_secured
from ktv_api.player import load_assets

WATCH_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; "
             "img-src 'self' https: http:; media-src 'self' blob:; worker-src blob:; "
             "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
HLS = "vendor/hls.js/hls.min.js"


def csp_directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


async def test_watch_serves_the_page_with_its_own_policy_and_the_other_headers(
        api: Api) -> None:
    r = await api.client.get("/watch")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-security-policy"] == WATCH_CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-request-id"]
    assert "<video" in r.text
    # Everything the page loads is one of our own files, by a relative URL.
    for ref in re.findall(r'(?:src|href)="([^"]+)"', r.text):
        assert ref.startswith("watch/") or ref == ".", ref
        if ref != ".":
            assert (await api.client.get(f"/{ref}")).status_code == 200, ref


async def test_the_policy_allows_what_the_player_needs_and_nothing_inline(api: Api) -> None:
    d = csp_directives((await api.client.get("/watch")).headers["content-security-policy"])
    assert d["default-src"] == ["'none'"]
    assert d["script-src"] == ["'self'"]          # no 'unsafe-inline', no 'unsafe-eval'
    assert d["worker-src"] == ["blob:"]           # hls.js' transmuxer worker
    assert d["media-src"] == ["'self'", "blob:"]  # MediaSource object URLs
    assert d["connect-src"] == ["'self'"]
    assert d["frame-ancestors"] == ["'none'"]


async def test_public_base_url_origin_is_allowed_for_signed_segment_links(start: Start) -> None:
    async with start(env={"PUBLIC_BASE_URL": "https://tv.example.com/k"}) as api:
        d = csp_directives((await api.client.get("/watch")).headers["content-security-policy"])
    assert d["connect-src"] == ["'self'", "https://tv.example.com"]
    assert d["media-src"] == ["'self'", "blob:", "https://tv.example.com"]


@pytest.mark.parametrize("path", [
    "/watch/", "/watch/watch.js", "/watch/nope.js", "/watchx", "/api/v1/config", "/api/v1/watch",
    "/metrics", "/iptv/x/watch", "/watch/vendor/hls.js/hls.min.js",
])
async def test_every_other_path_keeps_the_strict_policy(api: Api, path: str) -> None:
    r = await api.client.get(path, follow_redirects=False)
    assert_secured(r)
    assert r.headers["content-security-policy"] == API_CSP


async def test_a_trailing_slash_redirects_to_the_page(api: Api) -> None:
    r = await api.client.get("/watch/", follow_redirects=False)
    assert r.status_code == 308
    assert r.headers["location"] == "../watch"


@pytest.mark.parametrize(("name", "content_type"), [
    ("watch.js", "text/javascript; charset=utf-8"),
    ("api.js", "text/javascript; charset=utf-8"),
    ("guide.js", "text/javascript; charset=utf-8"),
    ("player.js", "text/javascript; charset=utf-8"),
    ("watch.css", "text/css; charset=utf-8"),
    (HLS, "text/javascript; charset=utf-8"),
    ("vendor/hls.js/LICENSE", "text/plain; charset=utf-8"),
])
async def test_files_have_their_content_types_and_revalidate(
        api: Api, name: str, content_type: str) -> None:
    r = await api.client.get(f"/watch/{name}")
    assert r.status_code == 200
    assert r.headers["content-type"] == content_type
    assert r.headers["cache-control"] == "no-cache"
    assert r.content == (files("ktv_api") / "web" / name).read_bytes()
    again = await api.client.get(f"/watch/{name}", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    changed = await api.client.get(f"/watch/{name}", headers={"If-None-Match": '"other"'})
    assert changed.status_code == 200


@pytest.mark.parametrize("name", ["nope.js", "..%2Fplayer.py", "../player.py", "watch.html",
                                  "vendor", "vendor/hls.js"])
async def test_only_the_files_of_the_table_are_served(api: Api, name: str) -> None:
    r = await api.client.get(f"/watch/{name}")
    assert r.status_code == 404
    if r.headers["content-type"].startswith("application/problem+json"):
        assert_problem(r, 404)


def test_the_vendored_hls_js_is_the_recorded_release() -> None:
    folder = files("ktv_api") / "web" / "vendor" / "hls.js"
    readme = (folder / "README.md").read_text()
    body = (folder / "hls.min.js").read_bytes()
    version = re.search(r"Version: \*\*([0-9.]+)\*\*", readme)
    assert version is not None
    assert f'"{version[1]}"'.encode() in body
    assert hashlib.sha256(body).hexdigest() in readme
    assert "Apache License" in (folder / "LICENSE").read_text()


def test_the_asset_table_lists_the_page_files() -> None:
    assert set(load_assets()) >= {"watch.html", "watch.js", "api.js", "guide.js", "player.js",
                                  "watch.css", HLS, "vendor/hls.js/LICENSE",
                                  "vendor/hls.js/README.md"}
