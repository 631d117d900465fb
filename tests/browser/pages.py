"""Driving the web player in Chromium: sign in, watch the video play, read its picture.

The picture check reads what the <video> shows: the frame is drawn on a canvas and
the 8 x 4 blocks of a self-describing clip (``support.clips``) are decoded from it,
so a test knows which item and which second is on screen, not only that time moves.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from playwright.async_api import BrowserContext, ConsoleMessage, Error, Page

from support.clips import CLIP_FPS

__all__ = ["NO_MEDIA_SOURCE", "Screen", "Watch", "open_watch"]

#: Installed before the page's own scripts: records CSP violations and media errors
#: (they do not bubble: the listener is on the capture phase).
INIT_SCRIPT = """
window.__seen = { csp: [], media: [] };
document.addEventListener('securitypolicyviolation',
  (e) => window.__seen.csp.push(`${e.violatedDirective} ${e.blockedURI}`));
window.addEventListener('error', (e) => {
  if (e.target instanceof HTMLMediaElement) {
    window.__seen.media.push((e.target.error && e.target.error.message) || 'media error');
  }
}, true);
"""

#: A browser without MediaSource (Safari on older iPhones): hls.js cannot run there.
NO_MEDIA_SOURCE = """
delete window.MediaSource;
delete window.ManagedMediaSource;
delete window.WebKitMediaSource;
"""

#: The luma at the centre of each of the clip's 8 x 4 blocks, with the playback time.
READ_PICTURE = """
() => {
  const v = document.querySelector('video');
  if (!v.videoWidth) return null;
  const c = document.createElement('canvas');
  c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext('2d', { willReadFrequently: true });
  g.drawImage(v, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  const lumas = [];
  for (let by = 0; by < 4; by++) for (let bx = 0; bx < 8; bx++) {
    const x = Math.floor((2 * bx + 1) * c.width / 16), y = Math.floor((2 * by + 1) * c.height / 8);
    const i = (y * c.width + x) * 4;
    lumas.push(0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]);
  }
  return { time: v.currentTime, lumas };
}
"""
#: A hang guard, not a budget: how long a test waits for playback to get going.
PLAY_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class Screen:
    """What the video showed at playback time ``time``: a clip's item and frame number
    (None: not a clip frame, e.g. the slate)."""

    time: float
    item: int | None
    frame: int | None

    @property
    def secs(self) -> float:
        return (self.frame or 0) / CLIP_FPS


def decode_blocks(lumas: list[float]) -> tuple[int, int] | None:
    """(item, frame) from the blocks' lumas, as ``support.clips`` lays them out: row 0 the
    item (8 bits), rows 1-2 the frame (16 bits), row 3 a check byte."""
    value = sum(1 << i for i, luma in enumerate(lumas) if luma > 128)
    item, frame, check = value & 0xFF, (value >> 8) & 0xFFFF, value >> 24
    if check != (item ^ (frame & 0xFF) ^ (frame >> 8) ^ 0x5A) & 0xFF:
        return None
    return item, frame


@dataclass
class Watch:
    """A /watch page and everything it reported."""

    page: Page
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    async def sign_in(self, email: str, password: str) -> None:
        await self.page.fill("#login-form input[name=email]", email)
        await self.page.fill("#login-form input[name=password]", password)
        await self.page.click("#login-form button[type=submit]")

    async def seen(self) -> dict[str, list[str]]:
        got: dict[str, list[str]] = await self.page.evaluate("window.__seen")
        return got

    async def screen(self) -> Screen | None:
        got = await self.page.evaluate(READ_PICTURE)
        if got is None:
            return None
        shown = decode_blocks(got["lumas"])
        return Screen(time=got["time"], item=shown[0] if shown else None,
                      frame=shown[1] if shown else None)

    async def plays_for(self, secs: float) -> list[Screen]:
        """Waits until the video plays, then until its time has advanced ``secs``; fails on
        a media error or an error shown by the page. Returns the pictures seen meanwhile."""
        screens: list[Screen] = []
        start: float | None = None
        deadline = time.monotonic() + PLAY_TIMEOUT + secs
        while True:
            await self.assert_no_error()
            playing = await self.page.evaluate(
                "(() => { const v = document.querySelector('video');"
                " return !v.paused && v.readyState >= 3 ? v.currentTime : null; })()")
            if playing is not None:
                shown = await self.screen()
                if shown is not None:
                    screens.append(shown)
                if start is None:
                    start = playing
                elif playing - start >= secs:
                    return screens
            assert time.monotonic() < deadline, (
                f"the video did not play {secs} s (from {start}, now {playing})")
            await asyncio.sleep(0.25)

    async def assert_no_error(self) -> None:
        seen = await self.seen()
        shown = await self.page.text_content("#player-error")
        assert not seen["media"], seen["media"]
        assert not shown, shown
        assert not self.page_errors, self.page_errors


async def open_watch(context: BrowserContext, url: str, *, init: str = "") -> Watch:
    """A new tab on ``url`` with the recorders of :data:`INIT_SCRIPT` installed (and
    ``init``, run before the page's own scripts too)."""
    page = await context.new_page()
    await page.add_init_script(INIT_SCRIPT + init)
    watch = Watch(page)
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watch.console_errors.append(f"{message.text} at {message.location.get('url')}")

    page.on("console", console)
    try:
        await page.goto(url)
    except Error as exc:
        raise AssertionError(f"cannot open {url}: {exc}") from exc
    return watch
