"""Drawing one layer of a map: points (symbols or clusters) and municipalities.

The hot loop is numpy: a mask over the memory-mapped columns, pixel positions by one
affine step, clusters by ``np.unique`` over grid keys and ``np.bincount``, symbols stamped
in batches. Python loops only over what the image can hold (cluster labels, bounded by the
number of grid cells; municipality rings, bounded by the ~300 municipalities), never over
the features.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from PIL import Image, ImageDraw

from publisher.serving.wms.render import symbols
from publisher.serving.wms.render.data import Municipalities, Points, products
from publisher.serving.wms.render.raster import over, stamp_all
from publisher.serving.wms.request import MapView
from publisher.serving.wms.settings import CLUSTER_CELL_PX, POINTS_BELOW_SCALE, THIN_PX

#: Pixels around the image in which a point still matters (half the largest cluster).
MARGIN_PX = 24
#: The viewer's municipality outline colour and the fill of style ``ca-verplicht``.
OUTLINE_RGBA = (0x6B, 0x77, 0x83, 255)
FILL_ALPHA = 90


def reach(view: MapView, clustered: bool) -> tuple[float, float, float, float]:
    """The map's box widened by what can still show on it (x/y in the view's CRS).

    A symbol's reach; with groups also one grid cell, so every point of each cell that
    overlaps the map counts: a group then has the same count and position in every tile
    a client cuts the map into, and adjacent tiles join without a seam.
    """
    margin = MARGIN_PX + (CLUSTER_CELL_PX if clustered else 0)
    x1, y1, x2, y2 = view.bbox
    rx, ry = view.resolution
    return x1 - margin * rx, y1 - margin * ry, x2 + margin * rx, y2 + margin * ry


def in_box(box: tuple[float, float, float, float], x: np.ndarray, y: np.ndarray
           ) -> np.ndarray:
    """Mask of the coordinates within ``box``."""
    return (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])


def to_pixels(view: MapView, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CRS x/y → fractional pixel column/row of the map (row 0 at the top)."""
    x1, _, _, y2 = view.bbox
    rx, ry = view.resolution
    return (x - x1) / rx, (y2 - y) / ry


def _thinned(px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One point per THIN_PX cell (the last in publication order), in publication order."""
    if not len(px):
        return px, py
    col = np.floor(px / THIN_PX).astype(np.int64)
    row = np.floor(py / THIN_PX).astype(np.int64)
    key = (row - row.min()) * (col.max() - col.min() + 1) + (col - col.min())
    _, last = np.unique(key[::-1], return_index=True)
    keep = np.sort(len(key) - 1 - last)
    return np.rint(px[keep]), np.rint(py[keep])


@dataclass(frozen=True)
class Clusters:
    """Points grouped per cell of the cluster grid, as :func:`draw_points` draws them."""

    cx: np.ndarray  # pixel column of each cluster (the mean of its points)
    cy: np.ndarray
    counts: np.ndarray
    first: np.ndarray  # index of each cluster's first point
    inverse: np.ndarray  # cluster of each point


def clusters(view: MapView, x: np.ndarray, y: np.ndarray, px: np.ndarray, py: np.ndarray
             ) -> Clusters:
    """Group points (CRS x/y, pixel px/py) per cell of a grid fixed to the CRS origin.

    Fixed to the origin, not to the image, so adjacent tiles of one client group alike.
    """
    cell = CLUSTER_CELL_PX * view.resolution[0]
    gx, gy = np.floor(x / cell).astype(np.int64), np.floor(y / cell).astype(np.int64)
    key = (gx - gx.min()) * (gy.max() - gy.min() + 1) + (gy - gy.min())
    _, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True,
                                          return_counts=True)
    return Clusters(np.bincount(inverse, weights=px) / counts,
                    np.bincount(inverse, weights=py) / counts, counts, first, inverse)


def cluster_at(view: MapView, x: np.ndarray, y: np.ndarray, i: int, j: int
               ) -> np.ndarray | None:
    """Indexes of the points of the drawn group under pixel (i, j), or None.

    A group covers its symbol's disc (its size class), so a click anywhere on the drawn
    symbol finds every feature it counts.
    """
    if not len(x):
        return None
    px, py = to_pixels(view, x, y)
    found = clusters(view, x, y, px, py)
    radius = np.array([d for _, d in symbols.CLUSTER_PX])[
        np.searchsorted(np.array([b for b, _ in symbols.CLUSTER_PX[:-1]]), found.counts,
                        side="right")] / 2 + 1
    distance = np.hypot(np.rint(found.cx) - i, np.rint(found.cy) - j)
    hit = (found.counts > 1) & (distance <= radius)
    if not hit.any():
        return None
    return np.flatnonzero(found.inverse == int(np.argmin(np.where(hit, distance, np.inf))))


def draw_points(canvas: np.ndarray, view: MapView, pts: Points, selected: np.ndarray,
                layer_products: tuple[str, ...], clustered: bool) -> None:
    """Draw the ``selected`` points of ``layer_products`` on ``canvas``.

    Without clusters each product is drawn in turn (the layer's order). With clusters, one
    grid for the whole layer: a lone point keeps its product's symbol, a group of one product
    its colour, shape and letter, a group of several products is dark with all their letters
    (the viewer's ``gemengd``), so a rare product is never hidden under a frequent one.
    """
    codes = [products().index(p) for p in layer_products]
    sel = selected & np.isin(pts.product, codes)
    if not sel.any():
        return
    x, y = np.asarray(pts.x[sel]), np.asarray(pts.y[sel])
    kind = np.asarray(pts.product[sel])
    px, py = to_pixels(view, x, y)
    jobs = []
    if not clustered:
        small = view.scale_denominator > POINTS_BELOW_SCALE * 4
        for product, code in zip(layer_products, codes, strict=True):
            mine = kind == code
            sprite = symbols.dot_sprite(product) if small else symbols.point_sprite(product)
            jobs.append((sprite, *_thinned(px[mine], py[mine])))
        stamp_all(canvas, jobs)
        return
    found = clusters(view, x, y, px, py)
    single = found.counts == 1
    lone = found.first[single]
    for product, code in zip(layer_products, codes, strict=True):
        at = lone[kind[lone] == code]
        jobs.append((symbols.point_sprite(product), np.rint(px[at]), np.rint(py[at])))
    many = np.flatnonzero(~single)
    bits = np.zeros(len(found.counts), dtype=np.int64)
    for k, code in enumerate(codes):
        bits |= (np.bincount(found.inverse, weights=kind == code,
                             minlength=len(found.counts)) > 0).astype(np.int64) << k
    keys = (bits[many] << 40) | found.counts[many]
    values, which = np.unique(keys, return_inverse=True)
    for n, value in enumerate(values.tolist()):  # one sprite per kind and count
        count, mask = value & ((1 << 40) - 1), value >> 40
        name = "+".join(p for k, p in enumerate(layer_products) if mask >> k & 1)
        at = many[which == n]
        jobs.append((symbols.cluster_sprite(name, symbols.cluster_class(count),
                                            symbols.count_text(count)),
                     np.rint(found.cx[at]), np.rint(found.cy[at])))
    stamp_all(canvas, jobs)


def draw_municipalities(canvas: np.ndarray, view: MapView, munis: Municipalities,
                        selected: np.ndarray, fill: bool) -> None:
    """Outlines (and, with ``fill``, the fill of CA-compulsory ones) of ``selected``."""
    x1, y1, x2, y2 = view.bbox
    b = munis.bounds
    sel = selected & (b[:, 0] <= x2) & (b[:, 2] >= x1) & (b[:, 1] <= y2) & (b[:, 3] >= y1)
    if not sel.any():
        return
    rx, ry = view.resolution
    geoms = shapely.simplify(munis.geometry[sel], min(rx, ry) / 2)
    geoms = shapely.transform(geoms, lambda xy: np.column_stack(
        ((xy[:, 0] - x1) / rx, (y2 - xy[:, 1]) / ry)))
    layer = Image.new("RGBA", (view.width, view.height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    if fill:
        colour = (*symbols.colours()["ca"], FILL_ALPHA)
        for ring in _rings(shapely.get_exterior_ring(shapely.get_parts(
                geoms[munis.ca_verplicht[sel]]))):
            draw.polygon(ring, fill=colour)
    for ring in _rings(shapely.get_parts(shapely.boundary(geoms))):
        draw.line(ring, fill=OUTLINE_RGBA, width=1)
    over(canvas, layer)


def _rings(lines: np.ndarray) -> list[list[float]]:
    """Each linestring's coordinates as a flat x, y list, for one Pillow call per ring."""
    coords, index = shapely.get_coordinates(lines, return_index=True)
    if not len(coords):
        return []
    cuts = np.flatnonzero(np.diff(index)) + 1
    return [part.ravel().tolist() for part in np.split(coords, cuts) if len(part) > 1]
