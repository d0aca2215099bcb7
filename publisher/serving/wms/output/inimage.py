"""Exceptions as images (``EXCEPTIONS=INIMAGE`` or ``BLANK``), for clients that show only maps.

Used when the request's WIDTH, HEIGHT and FORMAT could be read; otherwise the adapter falls
back to the XML report (an image of an unknown size cannot be drawn).
"""

from __future__ import annotations

import textwrap

from PIL import Image, ImageDraw

from publisher.serving.wms.parsers.kvp import MAP_FORMATS
from publisher.serving.wms.render.raster import encode, parse_colour
from publisher.serving.wms.render.symbols import font
from publisher.serving.wms.settings import MAX_SIZE


def image_size_format(kvp: dict[str, str]) -> tuple[int, int, str, str] | None:
    """WIDTH, HEIGHT, renderer and media type of a GetMap, or None when any is unreadable."""
    try:
        width, height = int(kvp.get("WIDTH", "")), int(kvp.get("HEIGHT", ""))
    except ValueError:
        return None
    fmt = MAP_FORMATS.get(kvp.get("FORMAT", "").strip().lower())
    if fmt is None or not (1 <= width <= MAX_SIZE and 1 <= height <= MAX_SIZE):
        return None
    return width, height, fmt[0], fmt[1]


def exception_image(message: str, mode: str, kvp: dict[str, str],
                    size_format: tuple[int, int, str, str]) -> bytes:
    """The map-sized image: the message written in it (INIMAGE) or nothing (BLANK)."""
    width, height, fmt, _ = size_format
    transparent = kvp.get("TRANSPARENT", "").strip().upper() == "TRUE"
    background = parse_colour(kvp.get("BGCOLOR", "0xFFFFFF")) or (255, 255, 255)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if mode == "inimage":
        draw = ImageDraw.Draw(image)
        lines = textwrap.wrap(message, max(10, width // 7))[: max(1, height // 14)]
        for n, line in enumerate(lines):
            draw.text((4, 4 + 14 * n), line, fill=(179, 38, 30, 255), font=font(11))
    return encode(image, fmt, transparent, background)
