"""The viewer's symbols per PRODUCT as small RGBA sprites, drawn once per process.

One source for how a product looks: the colours are the viewer's stylesheet's
(:func:`publisher.serving.viewer.palette.colours`), the letters
and codes from :data:`publisher.serving.viewer.texts.PRODUCTS`, and the shapes follow the
stylesheet's ``.punt`` and ``.groep`` rules (circle, square, leaf; a white ring and a thin
dark edge, so a symbol reads on any basemap and without colour, WCAG 1.4.1). A QGIS map and
the citizen's map therefore look alike.

Sprites are drawn 4× larger and reduced (anti-aliased edges), then kept premultiplied as
float32 arrays for :func:`publisher.serving.wms.render.raster.stamp`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from publisher.serving.viewer.palette import colours
from publisher.serving.viewer.texts import ORDER, PRODUCTS

#: Supersampling factor of the sprites (edges anti-aliased by the reduction).
_SS = 4
#: Diameter (pixels) of a point symbol, and its letter's size.
POINT_PX = 16
#: Cluster diameters by count, as the viewer's ``clusterSize`` (36/42/50/58 px) at 3/4.
CLUSTER_PX = ((10, 27), (100, 32), (1000, 38), (None, 44))
OUTLINE = (0, 0, 0, 153)  # the viewer's 1 px rgba(0,0,0,.6) edge
RING = (255, 255, 255, 255)


@cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A bold sans-serif font (DejaVu when installed, else Pillow's own) of ``size`` px."""
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


@dataclass(frozen=True)
class Sprite:
    """A premultiplied RGBA sprite and the pixel of it that sits on the point."""

    rgba: np.ndarray  # (h, w, 4) float32, premultiplied, 0..1
    cx: int
    cy: int
    image: Image.Image  # the same, as a Pillow image (legends)


def _shape(draw: ImageDraw.ImageDraw, code: str, box: tuple[float, float, float, float],
           fill: tuple[int, ...], cluster: bool) -> None:
    """The product's shape in ``box``: circle (ca), square (vivoo), leaf (hv)."""
    width = box[2] - box[0]
    if code == "ca" or code == "gemengd":
        draw.ellipse(box, fill=fill)
    elif code == "vivoo":
        draw.rounded_rectangle(box, radius=width * (0.18 if cluster else 0.12), fill=fill)
    else:  # hv: the leaf of ``border-radius: 3px 50% 3px 50%``
        draw.rounded_rectangle(box, radius=width / 2, fill=fill,
                               corners=(False, True, False, True))


def _sprite(code: str, diameter: int, letter: str, cluster: bool) -> Sprite:
    ring = 3 if cluster else 2
    size = diameter + 2  # the 1 px outline around the ring
    big = Image.new("RGBA", (size * _SS, size * _SS), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    s = _SS
    _shape(draw, code, (0, 0, size * s - 1, size * s - 1), OUTLINE, cluster)
    _shape(draw, code, (s, s, (size - 1) * s - 1, (size - 1) * s - 1), RING, cluster)
    inner = (1 + ring) * s
    _shape(draw, code, (inner, inner, size * s - inner - 1, size * s - inner - 1),
           (*colours()[code], 255), cluster)
    if letter:
        draw.text((size * s / 2, size * s / 2), letter, fill=(255, 255, 255, 255),
                  font=font(int(diameter * 0.55 * s)), anchor="mm")
    image = big.resize((size, size), Image.Resampling.LANCZOS)
    rgba = np.asarray(image, dtype=np.float32) / 255.0
    rgba[..., :3] *= rgba[..., 3:4]
    return Sprite(rgba, size // 2, size // 2, image)


@cache
def point_sprite(product: str) -> Sprite:
    """The symbol of one feature of ``product``: its shape, colour and letter."""
    text = PRODUCTS[product]
    return _sprite(text["code"], POINT_PX, text["letter"], cluster=False)


@cache
def dot_sprite(product: str) -> Sprite:
    """A small symbol without letter, for dense maps in style ``punten``."""
    return _sprite(PRODUCTS[product]["code"], 7, "", cluster=False)


def cluster_class(count: int) -> int:
    """Index into :data:`CLUSTER_PX` of a cluster of ``count`` features."""
    for i, (below, _) in enumerate(CLUSTER_PX):
        if below is None or count < below:
            return i
    return len(CLUSTER_PX) - 1


@lru_cache(maxsize=4096)
def cluster_sprite(product: str, size_class: int, label: str = "") -> Sprite:
    """A cluster of ``product`` with its count ``label`` and the product's letter.

    ``product`` may be several products joined by ``+``: a mixed group, dark with all their
    letters, as the viewer's ``.groep.gemengd``. Cached per label: a map has far fewer
    distinct counts than clusters, so the text is drawn once per count, not per cluster.
    """
    names = product.split("+")
    code = PRODUCTS[names[0]]["code"] if len(names) == 1 else "gemengd"
    sprite = _sprite(code, CLUSTER_PX[size_class][1], "", cluster=True)
    if not label:
        return sprite
    image = sprite.image.copy()
    draw = ImageDraw.Draw(image)
    middle = image.width / 2
    white = (255, 255, 255, 255)
    letters = "".join(letter(p) for p in ORDER if p in names)
    draw.text((middle, middle - 3), label, fill=white, font=font(11), anchor="mm")
    draw.text((middle, middle + 8), letters, fill=white, font=font(9), anchor="mm")
    rgba = np.asarray(image, dtype=np.float32) / 255.0
    rgba[..., :3] *= rgba[..., 3:4]
    return Sprite(rgba, sprite.cx, sprite.cy, image)


def count_text(n: int) -> str:
    """A cluster's count as the viewer writes it: ``1.234``, ``12k`` from 10,000 on."""
    return f"{n:,}".replace(",", ".") if n < 10_000 else f"{round(n / 1000)}k"


def letter(product: str) -> str:
    """The viewer's marker letter of ``product`` (C, I, H)."""
    return PRODUCTS[product]["letter"]
