"""The web player (``/watch``) in headless Chromium against a real K-TV.

Screenshots are test artifacts: each test saves ``<name>.png`` into its pytest temporary
folder (``/tmp/pytest-of-<user>/pytest-<n>/<test name>0/``; pytest keeps the last three
runs), and prints the path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import BrowserContext, Page, Request, Response, Route, expect

from integration.oidc_env import provider, set_user

from .env import EMAIL, PASSWORD, Site, ktv_site
from .pages import NO_MEDIA_SOURCE, Screen, Watch, open_watch

#: How far the picture may be from the playback time (a frame or two, and the time it
#: takes to read it back from the canvas).
PICTURE_TOLERANCE = 0.5
AGREE_TRIES = 4
#: Playlist loads refused before the first answer. hls.js gives up on a playlist whose
#: first load is refused (a fatal error each time): the page starts it again.
DROPPED_LOADS = 2
A = TypeVar("A")
B = TypeVar("B")


async def screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


async def signed_in(browser: BrowserContext, url: str) -> Watch:
    watch = await open_watch(browser, url)
    await watch.sign_in(EMAIL, PASSWORD)
    await watch.page.wait_for_selector("#channel-list .channel")
    await watch.page.wait_for_selector("#guide-grid .slot.on-air")
    return watch


async def api_get(site: Site, path: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=site.base_url, trust_env=False) as http:
        return await http.get(path, headers=site.headers)


async def agree(read: Callable[[], Awaitable[tuple[A, B]]],
                same: Callable[[A, B], bool]) -> None:
    """``same(*await read())`` within a few tries: the page follows the guide's boundaries
    half a second after them, so a read across one is taken again."""
    for _ in range(AGREE_TRIES):
        shown, api = await read()
        if same(shown, api):
            return
        await asyncio.sleep(1.0)
    raise AssertionError(f"the page shows {shown!r}, the API says {api!r}")


def clip_number(title: str) -> int:
    from .env import CLIPS

    return next(n for n, (name, _) in enumerate(CLIPS, start=1) if name == title)


def assert_from_programme_start(screens: list[Screen], titles: set[str]) -> None:
    """Every picture is a clip of one of ``titles`` at its playback time: the playlist
    starts at the programme's first frame, and what plays is that programme."""
    assert screens
    wanted = {clip_number(t) for t in titles}
    for s in screens:
        assert s.item in wanted, (s, titles)
        assert abs(s.secs - s.time) <= PICTURE_TOLERANCE, s


# -- signing in, the channel list and the guide (no video) ------------------------------

async def test_sign_in_shows_the_channels_with_logos_now_next_and_the_guide(
        site: Site, browser: BrowserContext, other_page: str, tmp_path: Path) -> None:
    watch = await open_watch(browser, f"{site.base_url}/watch")
    page = watch.page
    await page.wait_for_selector("#sign-in:not([hidden])")
    assert await page.is_hidden("#oidc")  # single sign-on is not configured

    await watch.sign_in(EMAIL, "not-the-password")
    await expect(page.locator("#sign-in-error")).not_to_be_empty()
    refused = await page.text_content("#sign-in-error")
    async with httpx.AsyncClient(base_url=site.base_url, trust_env=False) as http:
        login = await http.post("/api/v1/auth/login",
                                json={"email": EMAIL, "password": "not-the-password"})
    assert refused == login.json()["detail"]  # the server's problem detail, as it is

    await watch.sign_in(EMAIL, PASSWORD)
    await page.wait_for_selector("#guide-grid .slot.on-air")
    assert await page.text_content("#who") == EMAIL
    assert await page.evaluate("sessionStorage.getItem('ktv.token')")
    assert await page.evaluate("localStorage.length") == 0

    # The list: by number, logo or number tile, now and next as /now says.
    rows = page.locator("#channel-list .channel")
    assert await rows.evaluate_all("rs => rs.map(r => r.dataset.number)") == [
        "101", "102", "103"]
    assert await rows.nth(0).locator(".tile").text_content() == "101"
    logo = rows.nth(1).locator("img.logo")
    await logo.wait_for()
    assert await logo.evaluate("img => img.complete && img.naturalWidth > 0")
    await rows.nth(2).locator(".tile").wait_for()  # its logo does not load: the tile instead
    assert await rows.nth(2).locator(".now").text_content() == "No signal"
    one = site.channels[0]

    async def now_and_next() -> tuple[list[str | None], list[str]]:
        now = (await api_get(site, f"/api/v1/channels/{one['id']}/now")).json()
        shown = [await rows.nth(0).locator(sel).text_content() for sel in (".now", ".next")]
        return shown, [f"Now: {now['slot']['item']['title']}",
                       f"{now['next']['item']['title']}"]

    await agree(now_and_next,
                lambda shown, api: shown[0] == api[0] and api[1] in (shown[1] or ""))

    # The guide: a ruler, a row per channel, the programmes of the window, a time marker.
    grid = page.locator("#guide-grid")
    assert await grid.locator(".guide-row").count() == 4
    assert await grid.locator(".guide-tick").count() >= 5
    assert await grid.locator(".guide-marker").count() == 4
    first = grid.locator(".guide-row").nth(1)
    assert await first.locator(".slot.on-air").count() == 1
    assert await first.locator(".slot.past").count() >= 3

    async def on_air_titles() -> tuple[str | None, str]:
        now = (await api_get(site, f"/api/v1/channels/{one['id']}/now")).json()
        return await first.locator(".slot.on-air").text_content(), now["slot"]["item"]["title"]

    await agree(on_air_titles, lambda shown, api: shown == api)
    assert await grid.locator(".guide-row").nth(3).locator(".slot").count() == 0

    # A programme's details; a future one offers nothing to play.
    await first.locator(".slot.future").first.click()
    await page.wait_for_selector("#programme:not([hidden])")
    for button in ("#programme-watch", "#programme-start-over", "#programme-live"):
        assert await page.is_hidden(button)
    await first.locator(".slot.on-air").click()
    assert await page.is_visible("#programme-start-over")
    assert await page.is_visible("#programme-live")

    await screenshot(page, tmp_path, "watch-signed-in")
    assert not (await watch.seen())["csp"]
    assert not watch.page_errors
    assert all("no-such-logo" in e or "not-the-password" in e or "401" in e
               for e in watch.console_errors), watch.console_errors

    # Still signed in after a reload (sessionStorage), signed out for good after "Sign out".
    await page.reload()
    await page.wait_for_selector("#channel-list .channel")
    await page.click("#sign-out")
    await page.wait_for_selector("#sign-in:not([hidden])")
    assert await page.evaluate("sessionStorage.getItem('ktv.token')") is None


# -- single sign-on ---------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*")
async def test_single_sign_on_comes_back_to_watch_signed_in_or_with_the_refusal(
        chromium_exe: str, tmp_path: Path, media: Path, browser: BrowserContext) -> None:
    with provider() as issuer:
        await set_user(issuer, "sso-viewer", {"email": "sso@example.com",
                                              "email_verified": True})
        async with ktv_site(tmp_path, media, oidc_issuer=issuer) as site:
            watch = await open_watch(browser, f"{site.base_url}/watch")
            page = watch.page
            await page.click("#oidc")  # to K-TV, on to the provider's consent form
            await page.fill("input[name=sub]", "sso-viewer")
            await page.click("button:has-text('Authorize')")
            await page.wait_for_selector("#app:not([hidden])")
            await expect(page.locator("#who")).to_have_text("sso@example.com")
            assert page.url == f"{site.base_url}/watch"  # the fragment is gone...
            assert await page.evaluate("location.hash") == ""
            assert await page.evaluate("sessionStorage.getItem('ktv.token')")

            await page.click("#sign-out")
            await page.click("#oidc")
            await page.click("button:has-text('Deny')")
            await expect(page.locator("#sign-in-error")).to_have_text(
                "the identity provider refused the sign-in (access_denied)")
            assert await page.evaluate("location.hash") == ""
            assert await page.evaluate("sessionStorage.getItem('ktv.token')") is None
            assert not (await watch.seen())["csp"]
            assert not watch.page_errors


# -- playing: live, start over, catch-up (the HLS routes) -------------------------------

async def test_live_start_over_and_catch_up_play_what_the_guide_says(
        site: Site, browser: BrowserContext, tmp_path: Path) -> None:
    watch = await signed_in(browser, f"{site.base_url}/watch")
    page = watch.page
    one = site.channels[0]

    await page.locator("#channel-list .channel").nth(0).click()
    await expect(page.locator("#playing-mode")).to_have_text("Live")
    screens = await watch.plays_for(5.0)
    assert any(s.item is not None for s in screens), screens  # a clip's own pictures
    await screenshot(page, tmp_path, "watch-live")

    async def on_air() -> str:
        now = (await api_get(site, f"/api/v1/channels/{one['id']}/now")).json()
        title: str = now["slot"]["item"]["title"]
        return title

    before = await on_air()
    await page.click("#start-over")
    after = await on_air()
    await expect(page.locator("#playing-mode")).to_have_text("From the start")
    assert_from_programme_start(await watch.plays_for(3.0), {before, after})

    row = page.locator("#guide-grid .guide-row").nth(1)
    past = row.locator(".slot.past.catchup").last
    title = await past.text_content()
    assert title
    await past.click()
    await page.click("#programme-watch")
    await expect(page.locator("#playing-mode")).to_contain_text("Catch-up, aired")
    assert_from_programme_start(await watch.plays_for(3.0), {title})
    await screenshot(page, tmp_path, "watch-catch-up")

    await page.click("#back-live")
    await expect(page.locator("#playing-mode")).to_have_text("Live")
    await watch.plays_for(2.0)
    assert not (await watch.seen())["csp"]  # the hls.js worker and blob: media are allowed


async def test_the_player_on_another_origin_plays_over_cors(
        site: Site, browser: BrowserContext, other_page: str, origin: str,
        tmp_path: Path) -> None:
    watch = await open_watch(browser, other_page)
    answers: list[tuple[str, int, str | None, str]] = []
    bearer: dict[str, bool] = {}  # URL -> whether the request carried the token

    async def record(response: Response) -> None:
        if response.url.startswith(site.base_url):
            headers = await response.all_headers()
            answers.append((response.url, response.status,
                            headers.get("access-control-allow-origin"),
                            headers.get("content-type", "")))
            sent = await response.request.all_headers()
            bearer[response.url] = "authorization" in sent

    watch.page.on("response", record)
    await watch.sign_in(EMAIL, PASSWORD)
    await watch.page.locator("#channel-list .channel").nth(0).click()
    screens = await watch.plays_for(5.0)
    assert any(s.item is not None for s in screens), screens
    await screenshot(watch.page, tmp_path, "watch-other-origin")

    playlists = [a for a in answers if urlsplit(a[0]).path.endswith(".m3u8")]
    segments = [a for a in answers if a[3].startswith(("video/", "audio/"))]
    assert playlists, answers
    assert segments, answers
    for url, status, allowed, _ in playlists + segments:
        assert status == 200, url
        assert allowed == origin, url
    # The token goes with the playlists, never with the signed segment links.
    assert all(bearer[url] for url, *_ in playlists)
    assert not any(bearer[url] for url, *_ in segments)
    assert not watch.page_errors


async def test_a_refused_playlist_shows_the_servers_reason(
        site: Site, browser: BrowserContext) -> None:
    watch = await signed_in(browser, f"{site.base_url}/watch")
    page = watch.page
    one = site.channels[0]
    await page.locator("#channel-list .channel").nth(0).click()
    await watch.plays_for(1.0)
    async with httpx.AsyncClient(base_url=site.base_url, trust_env=False) as http:
        r = await http.patch(f"/api/v1/channels/{one['id']}", headers=site.headers,
                             json={"catchup_days": 0})
        assert r.status_code == 200, r.text
        refused = await http.get(f"/api/v1/channels/{one['id']}/hls/startover.m3u8",
                                 headers=site.headers)
    assert refused.status_code >= 400
    await page.click("#start-over")  # the page still thinks catch-up is on
    await expect(page.locator("#player-error")).to_have_text(refused.json()["detail"])


async def test_without_media_source_the_browsers_own_hls_player_is_used(
        site: Site, browser: BrowserContext) -> None:
    """Safari on older iPhones: no MediaSource, native HLS. The browser's own player cannot
    send the Authorization header, and the contract's playlists need it, so the page says
    why the server refused (see the report: this needs a header-less playlist URL)."""
    watch = await open_watch(browser, f"{site.base_url}/watch", init=NO_MEDIA_SOURCE)
    page = watch.page
    assert await page.evaluate("Hls.isSupported()") is False
    await watch.sign_in(EMAIL, PASSWORD)
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    await page.locator("#channel-list .channel").nth(0).click()
    one = site.channels[0]
    live = f"{site.base_url}/api/v1/channels/{one['id']}/hls/live.m3u8"
    async with httpx.AsyncClient(trust_env=False) as http:
        bare = await http.get(live)  # what the browser's own request gets
    assert bare.status_code == 401
    await expect(page.locator("#player-error")).to_have_text(bare.json()["detail"])
    # The video element itself asked for the playlist (no hls.js), without the token.
    native = [r for r in requests if r.url == live and r.resource_type == "media"]
    assert native, [(r.url, r.resource_type) for r in requests]
    assert "authorization" not in await native[0].all_headers()


async def test_a_passing_network_failure_is_got_over(
        site: Site, browser: BrowserContext) -> None:
    """hls.js gives up on the playlist (its requests fail), but the server still answers
    the page's own check: the player starts again instead of showing an error."""
    watch = await signed_in(browser, f"{site.base_url}/watch")
    page = watch.page
    failed: list[str] = []

    async def drop_first_loads(route: Route) -> None:
        if route.request.resource_type == "xhr" and len(failed) < DROPPED_LOADS:
            failed.append(route.request.url)
            await route.abort("connectionreset")
        else:
            await route.continue_()

    await page.route("**/hls/live.m3u8", drop_first_loads)
    await page.locator("#channel-list .channel").nth(0).click()
    screens = await watch.plays_for(3.0)
    assert len(failed) == DROPPED_LOADS
    assert any(s.item is not None for s in screens), screens
