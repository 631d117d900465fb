"""The slate: what a channel shows when nothing plays (a gap, a failed source).

A picture (channel, a headline such as "Back at 20:00", the next title) is
drawn with Pillow -- its bundled font, so no system font is needed -- and
encoded once into a short clip with silent audio in the session's profile.
The session loops the clip, re-stamped by the splicer, for as long as the slate
lasts: an hour-long gap costs one two-second encode, not an hour of encoding.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .process import run_to_end
from .profiles import StreamProfile

__all__ = ["SLATE_CLIP_SECS", "SlateText", "Slates", "render_png"]

#: Length of one slate clip (a whole number of keyframe intervals).
SLATE_CLIP_SECS = 2.0
_BACKGROUND = (16, 16, 24)
_ACCENT = (240, 180, 40)
_TEXT = (235, 235, 240)
_DIM = (150, 150, 165)
_CACHE_SIZE = 32


@dataclass(frozen=True, slots=True, kw_only=True)
class SlateText:
    """The words on a slate."""

    channel: str
    headline: str
    lines: tuple[str, ...] = ()
    footer: str = "K-TV"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
         width: int) -> str:
    """``text`` cut with an ellipsis to fit ``width`` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def render_png(text: SlateText, width: int, height: int) -> bytes:
    """The slate picture as PNG bytes."""
    img = Image.new("RGB", (width, height), _BACKGROUND)
    draw = ImageDraw.Draw(img)
    margin = width // 12
    usable = width - 2 * margin
    big, mid, small = _font(max(12, height // 11)), _font(max(10, height // 16)), _font(
        max(8, height // 26))
    draw.rectangle((0, 0, width, max(2, height // 90)), fill=_ACCENT)
    y = height // 5
    for line, font, colour in ((text.channel, big, _TEXT), (text.headline, mid, _ACCENT)):
        line = _fit(draw, line, font, usable)
        draw.text((width // 2, y), line, font=font, fill=colour, anchor="mt")
        y += int(font.size * 1.6) if isinstance(font, ImageFont.FreeTypeFont) else 20
    y += height // 20
    for line in text.lines:
        draw.text((width // 2, y), _fit(draw, line, small, usable), font=small, fill=_TEXT,
                  anchor="mt")
        y += int(small.size * 1.5) if isinstance(small, ImageFont.FreeTypeFont) else 14
    draw.text((width - margin // 2, height - margin // 2), text.footer, font=small, fill=_DIM,
              anchor="rb")
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


class Slates:
    """Encoded slate clips, made on demand and cached (most recent ``_CACHE_SIZE``)."""

    def __init__(self, ffmpeg: str, workdir: Path) -> None:
        self._ffmpeg = ffmpeg
        self._dir = workdir
        self._clips: OrderedDict[tuple[StreamProfile, SlateText], bytes] = OrderedDict()
        self._locks: dict[tuple[StreamProfile, SlateText], asyncio.Lock] = {}

    async def clip(self, profile: StreamProfile, text: SlateText) -> bytes:
        """An MPEG-TS clip of ``SLATE_CLIP_SECS`` showing ``text`` (StreamingError on failure)."""
        key = (profile, text)
        cached = self._clips.get(key)
        if cached is not None:
            self._clips.move_to_end(key)
            return cached
        async with self._locks.setdefault(key, asyncio.Lock()):
            cached = self._clips.get(key)
            if cached is not None:
                return cached
            data = await self._encode(profile, text)
            self._clips[key] = data
            while len(self._clips) > _CACHE_SIZE:
                old, _ = self._clips.popitem(last=False)
                self._locks.pop(old, None)
            return data

    async def picture(self, profile: StreamProfile, text: SlateText) -> Path:
        """The slate as a PNG file (for audio-only items' still picture)."""
        png = await asyncio.to_thread(render_png, text, profile.width, profile.height)
        path = self._dir / f"slate-{hashlib.sha256(png).hexdigest()[:20]}.png"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(png)
            tmp.replace(path)
        return path

    async def _encode(self, profile: StreamProfile, text: SlateText) -> bytes:
        image = await self.picture(profile, text)
        return await run_to_end(profile.slate_command(self._ffmpeg, str(image),
                                                      secs=SLATE_CLIP_SECS), what="slate")
