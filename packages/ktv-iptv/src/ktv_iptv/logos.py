"""Generated channel logos: the number and the name on a plain background (PNG).

For channels without a ``logo_url``, so players show a tile that says which
channel it is rather than a blank. Rendering takes a few milliseconds; results
are memoised per (number, name), and the same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import textwrap
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from .text import one_line

__all__ = ["LOGO_SIZE", "render_logo"]

LOGO_SIZE = (400, 225)
#: Dark, saturated backgrounds that keep white text readable.
_PALETTE = ((0x1F, 0x4E, 0x79), (0x6A, 0x1B, 0x4D), (0x1B, 0x5E, 0x20), (0x7B, 0x3F, 0x00),
            (0x37, 0x47, 0x4F), (0x4A, 0x14, 0x8C), (0x00, 0x60, 0x64), (0x8E, 0x24, 0x24))


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _fit(draw: ImageDraw.ImageDraw, lines: list[str], size: int, width: int) -> int:
    """The largest font size up to ``size`` at which every line fits ``width``."""
    while size > 10:
        font = _font(size)
        if all(draw.textlength(line, font=font) <= width for line in lines):
            return size
        size -= 2
    return size


@lru_cache(maxsize=512)
def render_logo(number: str, name: str) -> bytes:
    """A 400x225 PNG with ``number`` large and ``name`` (up to two lines) below it."""
    name = one_line(name)
    w, h = LOGO_SIZE
    colour = _PALETTE[hashlib.sha256(f"{number}\n{name}".encode()).digest()[0] % len(_PALETTE)]
    image = Image.new("RGB", LOGO_SIZE, colour)
    draw = ImageDraw.Draw(image)
    big = _font(_fit(draw, [number], 110, w - 40))
    draw.text((w / 2, h * 0.38), number, font=big, fill="white", anchor="mm")
    lines = textwrap.wrap(name, width=22, max_lines=2, placeholder="…") or [""]
    size = _fit(draw, lines, 30, w - 30)
    small = _font(size)
    top = h * 0.72 - (len(lines) - 1) * size * 0.6
    for i, line in enumerate(lines):
        draw.text((w / 2, top + i * size * 1.2), line, font=small, fill=(235, 235, 235),
                  anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
