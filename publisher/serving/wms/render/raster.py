"""The canvas: stamping sprites with numpy, drawing outlines and text, encoding images.

Why numpy stamping (measured by ``benchmarks/bench_wms.py --rasterizers``, figures in the
README): a map stamps thousands of identical symbols. Scattering them all into one scratch
layer and blending once per covered pixel costs less than Pillow's ``alpha_composite`` per
symbol (1.4× less at 3,000 symbols, 7× at 30,000) and than cairo's ``arc`` + ``fill`` per
symbol, and it is not a Python call per feature. cairo's sprite ``paint`` per symbol is
faster still (2× at 30,000), but pycairo has no wheel for this platform (it needs cairo's
headers to build) and MapServer's mapscript none either; Pillow (a wheel) draws the few
outlines and texts and encodes JPEG and PNG8; full-colour PNG is written here, unfiltered,
faster than Pillow's adaptive filters on maps.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

from publisher.serving.wms.render.symbols import Sprite

#: Points stamped per numpy batch: bounds the scratch arrays to ~15 MB.
BATCH = 4096
#: zlib level of PNG output: on maps level 3 is ~2× faster than 6 and ~15 % larger.
PNG_LEVEL = 3
#: Maps above this many pixels are compressed at level 1 (a 4096² map: 0.9 s → ~0.5 s).
LARGE_PX = 4_000_000


#: Pixels of margin around the map in the canvas: symbols near the edge are stamped whole
#: into it (no per-pixel clipping) and cut off at the end. More than any sprite's reach.
PAD = 64


def new_canvas(width: int, height: int) -> np.ndarray:
    """A transparent canvas with :data:`PAD` pixels around: RGBA uint8, premultiplied."""
    return np.zeros((height + 2 * PAD, width + 2 * PAD, 4), dtype=np.uint8)


def visible(canvas: np.ndarray) -> np.ndarray:
    """The map's own pixels of ``canvas`` (a view without the margin)."""
    return canvas[PAD:-PAD, PAD:-PAD]


def to_image(canvas: np.ndarray) -> Image.Image:
    """The map as a straight-alpha RGBA image (Pillow un-premultiplies in C)."""
    pixels = np.ascontiguousarray(visible(canvas))
    height, width = pixels.shape[:2]
    return Image.frombuffer("RGBa", (width, height), pixels.tobytes(), "raw", "RGBa", 0,
                            1).convert("RGBA")


def over(canvas: np.ndarray, layer: Image.Image) -> None:
    """Composite a straight-alpha RGBA ``layer`` of the map's size over the canvas."""
    src = np.asarray(layer.convert("RGBa"))
    target = visible(canvas)
    covered = src[..., 3] > 0
    s = src[covered].astype(np.uint16)
    d = target[covered].astype(np.uint16)
    target[covered] = (s + (d * (255 - s[:, 3:4]) + 127) // 255).astype(np.uint8)


def stamp(canvas: np.ndarray, sprite: Sprite, px: np.ndarray, py: np.ndarray) -> None:
    """Composite ``sprite`` over the premultiplied ``canvas`` centred on each map pixel."""
    stamp_all(canvas, [(sprite, px, py)])


def stamp_all(canvas: np.ndarray, jobs: list[tuple[Sprite, np.ndarray, np.ndarray]]) -> None:
    """Composite each job's sprite at each of its pixels, in order, over ``canvas``.

    Vectorized in two steps: every sprite pixel is written as a packed 32-bit value into a
    scratch layer through flat indexes (later points and jobs over earlier ones, no reads),
    then the layer is blended over the canvas once per covered pixel, in integer arithmetic
    (premultiplied "over" needs no division); most pixels need no blending at all (an opaque
    source, or nothing under it). Where two symbols overlap, the later one's anti-aliased
    edge replaces the earlier one's pixel: a 1-pixel halo, like the symbols' own white ring.
    Symbols reaching past the map land in the canvas's margin.
    """
    height, width = canvas.shape[:2]
    packed = canvas.reshape(-1, 4).view(np.uint32).reshape(-1)
    layer: np.ndarray | None = None
    for sprite, px, py in jobs:
        if len(px) == 0:
            continue
        parts = _parts(sprite, width)
        x0 = np.asarray(px, dtype=np.int64) + (PAD - sprite.cx)
        y0 = np.asarray(py, dtype=np.int64) + (PAD - sprite.cy)
        h, w = sprite.rgba.shape[:2]
        fits = (x0 >= 0) & (y0 >= 0) & (x0 + w <= width) & (y0 + h <= height)
        base = (y0 * width + x0)[fits]
        if layer is None:
            layer = np.zeros_like(packed)
        for start in range(0, len(base), BATCH):
            b = base[start:start + BATCH, None]
            layer[(b + parts.offset[None, :]).ravel()] = np.tile(parts.value, len(b))
    if layer is None:
        return
    covered = np.flatnonzero(layer)  # one scan: cheaper than de-duplicating the indexes
    src, dst = layer[covered], packed[covered]
    direct = (dst == 0) | (src >= np.uint32(0xFF000000))  # alpha is the high byte
    packed[covered[direct]] = src[direct]
    rest = ~direct
    _blend(packed, covered[rest], src[rest].view(np.uint8).reshape(-1, 4).astype(np.uint16))


class _Parts:
    """A sprite's covered pixels: flat offsets in a canvas row-width, packed premultiplied."""

    def __init__(self, sprite: Sprite, width: int) -> None:
        self.sprite = sprite  # held: the cache key is its id
        premultiplied = np.rint(sprite.rgba * 255).astype(np.uint8)
        ys, xs = np.nonzero(premultiplied[..., 3] > 0)
        self.value = np.ascontiguousarray(premultiplied[ys, xs]).view(np.uint32).reshape(-1)
        self.offset = ys.astype(np.int64) * width + xs


_PARTS: dict[tuple[int, int], _Parts] = {}


def _parts(sprite: Sprite, width: int) -> _Parts:
    key = (id(sprite), width)
    found = _PARTS.get(key)
    if found is None:
        if len(_PARTS) > 512:
            _PARTS.clear()
        found = _PARTS[key] = _Parts(sprite, width)
    return found


def _blend(packed: np.ndarray, index: np.ndarray, src: np.ndarray) -> None:
    """Premultiplied ``src`` pixels (n, 4 uint16) over ``packed[index]`` (n), in place.

    Gathered and scattered as packed 32-bit pixels (row indexing of an (n, 4) array is ten
    times slower); ``x / 255`` is computed as ``(t + (t >> 8)) >> 8`` with ``t = x + 128``,
    exact for 0 ≤ x ≤ 255².
    """
    d = packed[index].view(np.uint8).reshape(-1, 4).astype(np.uint16)
    t = d * (255 - src[:, 3:4]) + 128
    out = (src + ((t + (t >> 8)) >> 8)).astype(np.uint8)
    packed[index] = out.view(np.uint32).reshape(-1)


def parse_colour(text: str) -> tuple[int, int, int] | None:
    """``0xRRGGBB`` (or ``#RRGGBB``) → RGB; None when it is not that."""
    t = text.strip()
    if t[:2].lower() == "0x":
        t = t[2:]
    elif t.startswith("#"):
        t = t[1:]
    if len(t) != 6 or any(c not in "0123456789abcdefABCDEF" for c in t):
        return None
    return int(t[0:2], 16), int(t[2:4], 16), int(t[4:6], 16)


def flatten(image: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """``image`` composited over an opaque ``background`` (RGB)."""
    ground = Image.new("RGBA", image.size, (*background, 255))
    return Image.alpha_composite(ground, image).convert("RGB")


def encode(image: Image.Image, fmt: str, transparent: bool,
           background: tuple[int, int, int]) -> bytes:
    """``image`` (RGBA) as ``png``, ``png8`` or ``jpeg`` bytes.

    Without transparency (or as JPEG, which has none) the map lies on ``background``. PNG8
    keeps transparency through the palette's alpha (``tRNS``). Full-colour PNG is written by
    :func:`png` (filter "none"): on a map of symbols over emptiness it is twice as fast as
    Pillow's adaptive filters and smaller.
    """
    if fmt == "jpeg":
        out = io.BytesIO()
        flatten(image, background).save(out, "JPEG", quality=85)
        return out.getvalue()
    if not transparent:
        image = flatten(image, background)
    if fmt == "png8":
        out = io.BytesIO()
        image.quantize(256, method=Image.Quantize.FASTOCTREE).save(out, "PNG",
                                                                    compress_level=PNG_LEVEL)
        return out.getvalue()
    return png(image.tobytes(), image.width, image.height, len(image.getbands()))


def png(raw: bytes, width: int, height: int, channels: int) -> bytes:
    """A PNG of 8-bit RGB (3) or RGBA (4) rows, each row unfiltered, zlib level PNG_LEVEL."""
    rows = np.zeros((height, width * channels + 1), dtype=np.uint8)  # column 0: filter 0
    rows[:, 1:] = np.frombuffer(raw, dtype=np.uint8).reshape(height, -1)
    colour_type = 6 if channels == 4 else 2
    level = PNG_LEVEL if width * height <= LARGE_PX else 1

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), level)) + chunk(b"IEND", b""))
